"""Who hosts a chat, asked two ways: the transcript's rule in Python (archive.transcript.Hosts)
and the live page's in SQL (archive.selectors.live). Each serves its page in the fewest
queries, so the rule is written twice; here both must give the same answer to each case."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from archive.selectors.live import chat_posts
from archive.selectors.transcript import transcript_for_chat
from archive.transcript import Hosts
from chats.models import Chat
from chats.services.schedule import chat_set_hosts
from members.models import User
from tests.archive.live.conftest import GUESTS, HOST

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Case:
    author: dict[str, Any]
    expected: bool
    handles: tuple[str, ...] = ()
    # The host who is a member: their X handle ("" for none); None for no member host.
    member_x_handle: str | None = None
    # Whose member the author's X account is: "host", "someone else", or nobody.
    linked_to: str | None = None
    # False: X did not return the author, known by its id alone (no handle).
    described: bool = True


CASES = {
    "host by handle, in any case": Case(HOST, True, handles=("HOSTESS",)),
    "member host by their X handle": Case(HOST, True, member_x_handle="Hostess"),
    "member host by their linked account": Case(HOST, True, member_x_handle="", linked_to="host"),
    "someone else, hosts by handle": Case(GUESTS[0], False, handles=("hostess",)),
    "someone else, host without an X handle": Case(GUESTS[0], False, member_x_handle=""),
    "someone else's member, host without an X handle": Case(
        GUESTS[0], False, member_x_handle="", linked_to="someone else"
    ),
    "no hosts known": Case(HOST, False),
    "author X did not return, host without an X handle": Case(
        GUESTS[0], False, member_x_handle="", described=False
    ),
    "author X did not return, linked to the host": Case(
        HOST, True, member_x_handle="", linked_to="host", described=False
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_it_tells_hosts_alike_in_the_transcript_and_on_the_live_page(
    case: Case,
    live_chat: Chat,
    archive: Callable[..., dict[str, Any]],
    make_user: Callable[..., User],
) -> None:
    members = []
    if case.member_x_handle is not None:
        members.append(make_user("hanna", x_handle=case.member_x_handle))
    if case.linked_to is not None:
        # Ingest links an X account to the member who signed in with it.
        member = members[0] if case.linked_to == "host" else make_user("someone")
        User.objects.filter(pk=member.pk).update(x_user_id=case.author["id"])
    chat_set_hosts(chat=live_chat, members=members, handles=case.handles)
    archive("Hello", minute=5, author=case.author, described=case.described)

    (live,) = chat_posts(chat=live_chat)
    (entry,) = transcript_for_chat(chat=live_chat).entries
    hosts = Hosts.of(live_chat.hosts.select_related("member"))

    assert entry.is_host is live.is_host is case.expected
    assert hosts.known is live.chat_has_hosts is bool(members or case.handles)
