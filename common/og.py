"""OpenGraph and Twitter-card meta: the one place a page's card is built.

Every page with a card renders templates/_og_meta.html with `og` set to what og_meta()
returns, whether a template tag builds it (chat and community pages, chats/templatetags/
og.py) or a view (the transcript pages).
"""

import html
import re

from django.utils.html import strip_tags
from django.utils.text import Truncator

DESCRIPTION_LENGTH = 200
_SPACE_RE = re.compile(r"\s+")


def _one_line(value: object) -> str:
    return _SPACE_RE.sub(" ", str(value)).strip()


def html_text(value: str) -> str:
    """Rendered HTML as plain text on one line (the template escapes it again)."""
    return _one_line(html.unescape(strip_tags(value or "")))


def og_meta(
    *, title: str, url: str, description: str = "", og_type: str = "website"
) -> dict[str, str]:
    """A page's card: `url` absolute, title and description on one line, the description
    cut to DESCRIPTION_LENGTH characters. Plain text: the template escapes it."""
    return {
        "title": _one_line(title),
        "description": Truncator(_one_line(description)).chars(DESCRIPTION_LENGTH),
        "url": url,
        "type": og_type,
    }
