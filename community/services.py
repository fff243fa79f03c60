from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from common.markdown import render_markdown
from community.models import Community, Membership
from members.models import User
from members.selectors import user_is_verified

EDITABLE_FIELDS = ("name", "hashtag", "description", "rules", "time_zone", "website")


def _unique_slug(base: str) -> str:
    slug = slugify(base, allow_unicode=True)[:100] or "community"
    candidate, n = slug, 2
    while Community.objects.filter(slug=candidate).exists():
        candidate, n = f"{slug}-{n}", n + 1
    return candidate


def _apply(community: Community, data: dict[str, str]) -> None:
    for field in EDITABLE_FIELDS:
        setattr(community, field, data[field])
    # Rendered once here, so pages never run Markdown per request.
    community.description_html = render_markdown(community.description)
    community.rules_html = render_markdown(community.rules)


def _require_verified(user: User) -> None:
    if not user_is_verified(user=user):
        raise ValidationError(
            "Verify your email address (or log in with X) first.", code="unverified"
        )


@transaction.atomic
def community_create(*, creator: User, data: dict[str, str]) -> Community:
    _require_verified(creator)
    community = Community(created_by=creator, slug=_unique_slug(data["hashtag"]))
    _apply(community, data)
    community.full_clean()
    community.save()
    Membership.objects.create(community=community, member=creator, role=Membership.Role.ORGANISER)
    return community


def community_update(*, community: Community, data: dict[str, str]) -> Community:
    _apply(community, data)
    community.full_clean()
    community.save()
    return community


def membership_join(*, community: Community, user: User) -> tuple[Membership, bool]:
    """Join as a member; joining again is harmless and reports created=False."""
    _require_verified(user)
    try:
        with transaction.atomic():
            return Membership.objects.get_or_create(community=community, member=user)
    except IntegrityError:
        # A concurrent double-submit won the race: the membership exists.
        return Membership.objects.get(community=community, member=user), False


def _lock_organisers(community: Community) -> list[Membership]:
    # Locking the organiser rows serialises concurrent demotions, so two
    # organisers demoting each other cannot leave the community with none.
    return list(
        Membership.objects.select_for_update()
        .filter(community=community, role=Membership.Role.ORGANISER)
        .order_by("pk")
    )


@transaction.atomic
def membership_leave(*, community: Community, user: User) -> None:
    organisers = _lock_organisers(community)
    membership = Membership.objects.filter(community=community, member=user).first()
    if membership is None:
        raise ValidationError(f"You are not a member of {community.name}.", code="not_member")
    if membership.is_organiser and len(organisers) == 1:
        raise ValidationError(
            "You are the last organiser: make someone else an organiser before you leave.",
            code="last_organiser",
        )
    membership.delete()


@transaction.atomic
def membership_set_role(*, community: Community, member: User, role: str) -> Membership:
    if role not in Membership.Role.values:
        raise ValidationError("Unknown role.", code="invalid_role")
    organisers = _lock_organisers(community)
    try:
        membership = Membership.objects.select_for_update().get(community=community, member=member)
    except Membership.DoesNotExist:
        raise ValidationError(
            f"{member.public_name} is not a member of {community.name}.", code="not_a_member"
        ) from None
    demoting = membership.is_organiser and role != Membership.Role.ORGANISER
    if demoting and len(organisers) == 1:
        raise ValidationError(
            "A community needs at least one organiser: appoint another one first.",
            code="last_organiser",
        )
    membership.role = role
    membership.save(update_fields=["role"])
    return membership
