from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, Count, Q, QuerySet, When

from community.models import Community, Membership
from members.models import User


def community_list(*, search: str = "") -> QuerySet[Community]:
    communities = Community.objects.annotate(member_count=Count("memberships"))
    if search := search.strip().lstrip("#"):
        communities = communities.filter(
            Q(name__icontains=search)
            | Q(hashtag__icontains=search)
            | Q(description__icontains=search)
        )
    return communities.order_by("name")


def community_members(*, community: Community) -> QuerySet[Membership]:
    role_order = ["organiser", "moderator", "member"]
    return (
        community.memberships.select_related("member")
        .alias(role_rank=Case(*[When(role=r, then=i) for i, r in enumerate(role_order)]))
        .order_by("role_rank", "member__display_name", "member__username")
    )


def community_organisers(*, community: Community) -> list[User]:
    memberships = community.memberships.filter(role=Membership.Role.ORGANISER)
    return [m.member for m in memberships.select_related("member").order_by("joined_at")]


def membership_for(*, community: Community, user: User | AnonymousUser) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(community=community, member=user).first()


def community_list_for_member(*, member: User) -> QuerySet[Membership]:
    return member.memberships.select_related("community").order_by("community__name")


def community_find(*, text: str) -> Community | None:
    """The community a person means by "#KMers", "kmers" or its slug: hashtag first."""
    text = text.strip()
    tag = text.lstrip("#")
    if not tag:
        return None
    by_tag = Community.objects.filter(hashtag__iexact=tag).first()
    return by_tag or Community.objects.filter(slug=text).first()
