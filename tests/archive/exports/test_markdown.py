"""The Markdown export: readable by question, and inert whatever the posts say."""

from html.parser import HTMLParser
from typing import Any

import markdown
import pytest
from django.test import Client

from archive.exports import md_escape
from chats.models import Chat
from tests.archive.exports.conftest import ALICE, Say, export_url

pytestmark = pytest.mark.django_db


def _markdown(client: Client, chat: Chat) -> str:
    response = client.get(export_url(chat, "md"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    return response.content.decode()


def test_it_has_the_title_details_questions_and_conversation(
    anonymous: Client, chat: Chat, discussed: dict[str, Any]
) -> None:
    text = _markdown(anonymous, chat)

    assert text.startswith("# Knowledge audits\n")
    assert "- Community: Knowledge Managers (#KMers)" in text
    assert "- When: 2026-11-24 17:00–18:00 UTC" in text
    assert "- Posts: 5, participants: 4" in text
    assert (
        f"- Transcript: <http://testserver/communities/kmers/chats/{chat.pk}/transcript/>" in text
    )
    question = text.index("## Q1 What is a knowledge audit?")
    conversation = text.index("## Conversation")
    host_post = text.index(
        "- **@hannahhost** (host) (17:05 UTC): Q1: What is a knowledge audit? #KMers"
    )
    answer = text.index("- **@bob** (17:08 UTC): A1: Asking who knows what #KMers")
    # Links lead where they point, as on the transcript page; no needless backslashes.
    link = text.index(
        "- **@carol** (17:20 UTC): Good read "
        "[example.org/audits](<https://example.org/audits>) #KMers"
    )
    assert question < host_post < answer < conversation < link


def test_it_nests_replies_under_the_answer_before_them(
    anonymous: Client, chat: Chat, discussed: dict[str, Any]
) -> None:
    html = markdown.markdown(_markdown(anonymous, chat))

    assert (
        "<ul>\n<li><strong>@carol</strong> (17:09 UTC): @alice so true #KMers</li>\n</ul>" in html
    )
    assert _markdown(anonymous, chat).count("\n    - **@carol** (17:09 UTC)") == 1


def test_it_keeps_a_multi_line_post_in_one_list_item(
    anonymous: Client, chat: Chat, say: Say
) -> None:
    say(ALICE, "A1 first line\n\n# not a heading\n- not an item #KMers", minutes=10)

    html = markdown.markdown(_markdown(anonymous, chat))

    assert (
        "<li><strong>@alice</strong> (17:10 UTC): A1 first line<br />\n"
        "  # not a heading<br />\n  - not an item #KMers</li>"
    ) in html


def test_it_shows_moderated_posts_as_removed_without_their_text(
    anonymous: Client, chat: Chat, discussed: dict[str, Any]
) -> None:
    text = _markdown(anonymous, chat)

    assert "- (17:21 UTC) *Hidden by the moderators: Spam*" in text
    assert "- (17:22 UTC) *Removed by its author*" in text
    assert "cheap followers" not in text
    assert "should not have said" not in text


HOSTILE = [
    "[click](javascript:alert(1))",
    "![tracker](https://evil.example/pixel.png)",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<https://evil.example>",
    "https://evil.example/bare and www.evil.example",
    "[ref]: https://evil.example\n[ref]",
    "`code` and ```fenced```",
    "# heading\n## another\n---\n===",
    "1. ordered\n2) list\n- bullet\n+ plus\n> quote",
    "*em* **strong** _u_ ~~strike~~ | table |",
    "&lt;script&gt; &#60;b&#62; \\\\escaped",
    "line one\n    indented code",
    "term\n: definition",
    "*[HTML]: Hyper Text\n[^1]: footnote {: #id onclick=x }",
]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes += attrs

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parsed(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser


@pytest.mark.parametrize("extensions", [[], ["extra", "sane_lists", "nl2br"]])
@pytest.mark.parametrize("hostile", HOSTILE)
def test_it_escapes_markdown_so_a_post_cannot_inject_markup(
    hostile: str, extensions: list[str]
) -> None:
    line = f"- **@alice** (17:10 UTC): {md_escape(hostile)}"

    parsed = _parsed(markdown.markdown(line, extensions=extensions))

    assert parsed.tags <= {"ul", "li", "strong", "br"}
    assert parsed.attributes == []
    shown = " ".join("".join(parsed.text).split())
    assert shown == " ".join(f"@alice (17:10 UTC): {hostile}".split())


def test_it_renders_escaped_text_back_to_the_posts_words(
    anonymous: Client, chat: Chat, say: Say
) -> None:
    say(ALICE, "A1 [link](javascript:alert(1)) <b>bold</b> *star* #KMers", minutes=10)

    html = markdown.markdown(_markdown(anonymous, chat))

    parsed = _parsed(html)
    assert "A1 [link](javascript:alert(1)) <b>bold</b> *star* #KMers" in "".join(parsed.text)
    assert parsed.tags == {"h1", "h2", "ul", "li", "strong", "p", "em", "a"}
    # The one link is ours: the transcript's address in the details.
    transcript = f"http://testserver/communities/kmers/chats/{chat.pk}/transcript/"
    assert parsed.attributes == [("href", transcript)]
