"""Whatever a post says, its escaped text renders to words only: no element, no attribute."""

from html.parser import HTMLParser

import markdown
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.exports import md_escape

# Markdown's own characters, HTML's, URL pieces and white space, heavily weighted.
SPECIALS = [*"\\`*_{}[]()#+-.!<>|~=&:;/@\"'\n\t ", "http://", "www.", "&lt;", "<a ", "1.", "\n: "]
TEXTS = st.lists(st.one_of(st.sampled_from(SPECIALS), st.text(max_size=3)), max_size=40).map(
    "".join
)


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes += attrs

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _render(text: str, extensions: list[str]) -> _Collect:
    parser = _Collect()
    parser.feed(
        markdown.markdown(f"- **@a** (17:10 UTC): {md_escape(text)}", extensions=extensions)
    )
    parser.close()
    return parser


@settings(max_examples=300, deadline=None)
@given(text=TEXTS)
def test_it_never_lets_a_post_add_markup(text: str) -> None:
    for extensions in ([], ["extra", "sane_lists"]):
        rendered = _render(text, extensions)

        assert rendered.tags <= {"ul", "li", "strong", "br", "p"}, text
        assert rendered.attributes == [], text


@settings(max_examples=300, deadline=None)
@given(text=st.lists(st.sampled_from([*SPECIALS, *"abc019"]), max_size=40).map("".join))
def test_it_keeps_every_word_of_the_post(text: str) -> None:
    shown = "".join(_render(text, []).text)

    assert shown.split() == f"@a (17:10 UTC): {text}".split()
