"""House style of the templates: one block-level tag per line, indented by nesting.

Lines aim at about 120 characters. Some runs of inline HTML stay on one line because a line
break there would show as a space (a link and the comma after it, a <time> and its text), so
the test only refuses what is clearly unreadable: a line over 200 characters.
"""

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
MAX_LINE = 200

# "path/under/templates": "why this one cannot be wrapped". Keep it short, and empty if it can be.
EXCEPTIONS: dict[str, str] = {}


def _templates() -> list[Path]:
    return sorted(path for path in TEMPLATES.rglob("*") if path.is_file())


def test_it_keeps_templates_one_tag_per_line_with_no_line_over_200_characters() -> None:
    too_long = [
        f"{path.relative_to(TEMPLATES)}:{number}: {len(line)} characters"
        for path in _templates()
        if str(path.relative_to(TEMPLATES)) not in EXCEPTIONS
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if len(line) > MAX_LINE
    ]

    assert _templates(), f"no templates found under {TEMPLATES}"
    assert too_long == [], "wrap these template lines (one tag per line):\n" + "\n".join(too_long)


def test_it_names_only_existing_templates_as_exceptions() -> None:
    missing = [name for name in EXCEPTIONS if not (TEMPLATES / name).is_file()]

    assert missing == []
