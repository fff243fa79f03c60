"""Who may see or act on what the archive holds: one helper per object kind and role."""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from archive.models import Account, AccountExclusion, ImportJob, Post, PostPlacement
from archive.selectors.live import chat_in_community
from chats.models import Chat, ChatCohost
from community.models import Community
from community.permissions import get_community_for_moderator, get_community_for_organiser
from community.selectors import membership_for


def get_chat_for_reader(request: HttpRequest, slug: str, pk: int) -> Chat:
    """A chat and its community (one query), for the public archive pages: transcripts,
    exports and the live page's poll. Anyone may read them."""
    chat = chat_in_community(slug=slug, pk=pk)
    if chat is None:
        raise Http404("No such chat.")
    return chat


def get_placement_for_moderator(request: HttpRequest, slug: str, pk: int) -> PostPlacement:
    """A post's placement in the community, if the requesting user organises or moderates it."""
    community = get_community_for_moderator(request, slug)
    placements = PostPlacement.objects.select_related("post__author").defer(
        "post__raw", "post__search_vector"
    )
    # A joint chat's transcript shows its host's placements: the moderators of each
    # community co-hosting it moderate those too.
    cohosted = ChatCohost.objects.filter(community=community, status=ChatCohost.Status.ACCEPTED)
    yours = Q(community=community) | Q(chat_id__in=cohosted.values("chat_id"))
    placement = get_object_or_404(placements.filter(yours), pk=pk)
    placement.community = community  # loaded above: no second fetch when the caller reads it
    return placement


def get_account_for_moderator(
    request: HttpRequest, slug: str, pk: int
) -> tuple[Community, Account]:
    """The community and an account that posted in it or is excluded from it, for its
    organisers and moderators; any other account is not this community's business."""
    community = get_community_for_moderator(request, slug)
    posted = PostPlacement.objects.filter(community=community, post__author=OuterRef("pk"))
    excluded = AccountExclusion.objects.filter(community=community, account=OuterRef("pk"))
    accounts = Account.objects.filter(Q(Exists(posted)) | Q(Exists(excluded)))
    return community, get_object_or_404(accounts, pk=pk)


def get_post_for_author(request: HttpRequest, pk: int) -> Post:
    """The requesting member's own archived post, if their X link is verified.

    Anyone else gets a 404, not a 403: whose post it is stays private.
    """
    user = request.user
    if not user.is_authenticated or not user.has_verified_x:
        raise Http404("No such post of yours.")
    posts = Post.objects.select_related("author").defer("raw", "search_vector")
    return get_object_or_404(posts, pk=pk, author__member=user)


def get_community_for_importer(request: HttpRequest, slug: str) -> Community:
    """The community, if the requesting user may import archive files into it.

    Organisers only: an import writes to the archive for good (nothing undoes it but
    moderating each post), which is more than moderators are trusted with."""
    return get_community_for_organiser(request, slug)


def get_import_job_for_importer(request: HttpRequest, slug: str, pk: int) -> ImportJob:
    """One of the community's import jobs, for those who may import; the file's bytes
    are left in the database."""
    community = get_community_for_importer(request, slug)
    jobs = ImportJob.objects.select_related("uploaded_by").defer("data")
    job = get_object_or_404(jobs, pk=pk, community=community)
    job.community = community
    return job


def get_chat_for_poster(request: HttpRequest, slug: str, pk: int) -> Chat:
    """A chat, for a signed-in member of its community to post in from the live page;
    whether they may post now is the posting service's to say (one place for the rules)."""
    chat = get_chat_for_reader(request, slug, pk)
    if membership_for(community=chat.community, user=request.user) is None:
        raise PermissionDenied(f"Join {chat.community.name} to post from this site.")
    return chat
