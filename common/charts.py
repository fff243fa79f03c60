"""Small server-rendered SVG charts: columns (stacked or side by side), lines and
horizontal bars, readable without JavaScript and printable.

Each builder returns safe markup: an `<svg>` labelled by its own `<title>` and `<desc>`,
every point a link (where the figures come from) with its values in words, colours that
keep 3:1 against white (WCAG 1.4.11) and do not rely on hue alone (a legend names each
series, values are in each point's title). The table equivalent for screen readers and
print is `chart_table`, rendered by `templates/includes/chart.html`, which shows both.
Every string given is escaped here; numbers are formatted here.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 720
HEIGHT = 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 14, 44
MAX_X_LABELS = 8
# Blue, dark orange, green, purple: each at least 4.5:1 on white.
PALETTE = ("#1b5e9b", "#a64b00", "#2e6b30", "#6a3d9a")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class Chart:
    """What every chart has: ids unique on the page, words, and one label (and optionally
    one link) per point."""

    id: str
    title: str
    desc: str
    labels: Sequence[str]
    hrefs: Sequence[str] = ()
    unit: str = ""  # "%" for shares
    series: Sequence[Series] = field(default_factory=tuple)


@dataclass(frozen=True)
class TableRow:
    label: str
    href: str
    cells: list[str]


@dataclass(frozen=True)
class ChartTable:
    caption: str
    headers: list[str]
    rows: list[TableRow]


def _svg(template: str, *args: object) -> SafeString:
    """format_html for SVG: strings escaped, numbers left as numbers for {:.1f}."""
    escaped = (a if isinstance(a, int | float) else conditional_escape(str(a)) for a in args)
    return mark_safe(template.format(*escaped))  # noqa: S308  (every string escaped)


def _joined(parts: Iterable[SafeString]) -> SafeString:
    return mark_safe("".join(parts))  # noqa: S308  (each part built by _svg)


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    if unit == "%":
        return f"{value:.0f}%"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def nice_ceiling(value: float) -> float:
    """The axis top: 1, 2, 2.5 or 5 times a power of ten, at or above value."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)  # pragma: no cover  (the loop ends at 10)


def _open(chart: Chart) -> SafeString:
    return _svg(
        '<svg class="chart" viewBox="0 0 {} {}" role="group" aria-labelledby="{}-title" '
        'aria-describedby="{}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>',
        WIDTH,
        HEIGHT,
        chart.id,
        chart.id,
        chart.id,
        chart.title,
        chart.id,
        chart.desc,
    )


def _y_axis(top: float, unit: str) -> SafeString:
    plot_h = HEIGHT - TOP - BOTTOM
    lines = []
    for step in range(5):
        value = top * step / 4
        y = TOP + plot_h - plot_h * step / 4
        lines.append(
            _svg(
                '<line class="chart-grid" x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}" stroke="#767676" '
                'stroke-width="{}"/><text x="{}" y="{:.1f}" font-size="11" text-anchor="end" '
                'fill="#333">{}</text>',
                LEFT,
                y,
                WIDTH - RIGHT,
                y,
                "1" if step == 0 else "0.3",
                LEFT - 4,
                y + 4,
                fmt(value, unit),
            )
        )
    return _joined(lines)


def _x_labels(labels: Sequence[str], slot: float) -> SafeString:
    every = max(1, math.ceil(len(labels) / MAX_X_LABELS))
    y = HEIGHT - BOTTOM + 16
    return _joined(
        _svg(
            '<text x="{:.1f}" y="{}" font-size="11" text-anchor="middle" fill="#333">{}</text>',
            LEFT + slot * (i + 0.5),
            y,
            label,
        )
        for i, label in enumerate(labels)
        if i % every == 0
    )


def _legend(series: Sequence[Series]) -> SafeString:
    y = HEIGHT - 8
    parts = []
    x = LEFT
    for i, one in enumerate(series):
        parts.append(
            _svg(
                '<rect x="{}" y="{}" width="10" height="10" fill="{}"/>'
                '<text x="{}" y="{}" font-size="11" fill="#333">{}</text>',
                x,
                y - 9,
                PALETTE[i % len(PALETTE)],
                x + 14,
                y,
                one.name,
            )
        )
        x += 24 + 7 * len(one.name)
    return _joined(parts)


def _point_words(chart: Chart, i: int) -> str:
    values = ", ".join(f"{s.name}: {fmt(s.values[i], chart.unit)}" for s in chart.series)
    return f"{chart.labels[i]}: {values}"


def _linked(chart: Chart, i: int, inner: SafeString) -> SafeString:
    words = _point_words(chart, i)
    href = chart.hrefs[i] if i < len(chart.hrefs) else ""
    if not href:
        return _svg("<g>{}<title>{}</title></g>", inner, words)
    return _svg('<a href="{}" aria-label="{}">{}<title>{}</title></a>', href, words, inner, words)


def column_chart(chart: Chart, *, stacked: bool = True) -> SafeString:
    """A column per label: the series stacked (parts of a whole) or side by side."""
    count = max(len(chart.labels), 1)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    slot = plot_w / count
    totals = (
        [
            (
                sum(s.values[i] or 0 for s in chart.series)
                if stacked
                else max((s.values[i] or 0) for s in chart.series)
            )
            for i in range(len(chart.labels))
        ]
        if chart.series
        else []
    )
    top = nice_ceiling(max(totals, default=0))
    groups = []
    for i in range(len(chart.labels)):
        rects = []
        base = 0.0
        width = max(slot * (0.8 if stacked else 0.8 / len(chart.series)), 0.5)
        for j, one in enumerate(chart.series):
            value = one.values[i] or 0
            height = plot_h * value / top
            x = LEFT + slot * i + slot * 0.1 + (0 if stacked else width * j)
            y = TOP + plot_h - height - (plot_h * base / top if stacked else 0)
            rects.append(
                _svg(
                    '<rect x="{:.2f}" y="{:.2f}" width="{:.2f}" height="{:.2f}" fill="{}"/>',
                    x,
                    y,
                    width,
                    height,
                    PALETTE[j % len(PALETTE)],
                )
            )
            if stacked:
                base += value
        # The whole slot answers the pointer, so a short column is easy to hit.
        hit = _svg(
            '<rect x="{:.2f}" y="{}" width="{:.2f}" height="{}" fill="transparent"/>',
            LEFT + slot * i,
            TOP,
            slot,
            plot_h,
        )
        groups.append(_linked(chart, i, _joined([hit, *rects])))
    body = _joined(groups)
    return _svg(
        "{}{}{}{}{}</svg>",
        _open(chart),
        _y_axis(top, chart.unit),
        body,
        _x_labels(chart.labels, slot),
        _legend(chart.series),
    )


def line_chart(chart: Chart, *, top: float | None = None) -> SafeString:
    """A line per series, a dot per point; missing values (None) break the line."""
    count = max(len(chart.labels), 1)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    slot = plot_w / count
    highest = max((v for s in chart.series for v in s.values if v is not None), default=0)
    top = top or nice_ceiling(highest)

    def point(i: int, value: float) -> tuple[float, float]:
        return LEFT + slot * (i + 0.5), TOP + plot_h - plot_h * value / top

    lines = []
    for j, one in enumerate(chart.series):
        runs: list[list[tuple[float, float]]] = [[]]
        for i, value in enumerate(one.values):
            if value is None:
                runs.append([])
            else:
                runs[-1].append(point(i, value))
        for run in runs:
            if len(run) > 1:
                lines.append(
                    _svg(
                        '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>',
                        " ".join(f"{x:.1f},{y:.1f}" for x, y in run),
                        PALETTE[j % len(PALETTE)],
                    )
                )
    dots = []
    radius = min(4.0, max(slot / 3, 1.0))
    for i in range(len(chart.labels)):
        circles = [
            _svg(
                '<circle cx="{:.1f}" cy="{:.1f}" r="{:.1f}" fill="{}"/>',
                *point(i, value),
                radius,
                PALETTE[j % len(PALETTE)],
            )
            for j, one in enumerate(chart.series)
            if (value := one.values[i]) is not None
        ]
        if circles:
            dots.append(_linked(chart, i, _joined(circles)))
    body = _joined([*lines, *dots])
    return _svg(
        "{}{}{}{}{}</svg>",
        _open(chart),
        _y_axis(top, chart.unit),
        body,
        _x_labels(chart.labels, slot),
        _legend(chart.series),
    )


def bar_chart(chart: Chart) -> SafeString:
    """Horizontal bars of the first series, a label on each: rankings."""
    values = [v or 0 for v in chart.series[0].values] if chart.series else []
    row = 22
    height = TOP + row * max(len(values), 1) + 8
    label_w = 200
    plot_w = WIDTH - label_w - 60
    top = max(values, default=0) or 1
    bars = []
    for i, value in enumerate(values):
        y = TOP + row * i
        # The words stay outside the link: its name (aria-label) says them all, and a
        # link's visible text must be part of its name (WCAG 2.5.3).
        bar = _svg(
            '<rect x="{}" y="{}" width="{:.1f}" height="{}" fill="{}"/>',
            label_w,
            y + 3,
            max(plot_w * value / top, 1),
            row - 6,
            PALETTE[0],
        )
        words = _svg(
            '<text x="{}" y="{}" font-size="12" text-anchor="end" fill="#333">{}</text>'
            '<text x="{:.1f}" y="{}" font-size="12" fill="#333">{}</text>',
            label_w - 6,
            y + 14,
            chart.labels[i][:32],
            label_w + plot_w * value / top + 4,
            y + 14,
            fmt(value, chart.unit),
        )
        bars += [words, _linked(chart, i, bar)]
    opening = mark_safe(_open(chart).replace(f"0 0 {WIDTH} {HEIGHT}", f"0 0 {WIDTH} {height}"))  # noqa: S308
    return _joined([opening, *bars, mark_safe("</svg>")])


def chart_table(chart: Chart, *, label_header: str, caption: str = "") -> ChartTable:
    """The chart's figures as a table: a row per point, a column per series."""
    return ChartTable(
        caption=caption or chart.title,
        headers=[label_header, *(s.name for s in chart.series)],
        rows=[
            TableRow(
                label=label,
                href=chart.hrefs[i] if i < len(chart.hrefs) else "",
                cells=[fmt(s.values[i], chart.unit) for s in chart.series],
            )
            for i, label in enumerate(chart.labels)
        ],
    )


def share(part: float, whole: float) -> float | None:
    """part of whole in percent; None where there is no whole."""
    return None if not whole else 100 * part / whole


@dataclass(frozen=True)
class CohortCell:
    count: int
    percent: float | None
    shade: int  # 0..5: the cell's class, heat-0 (none) to heat-5 (all came back)

    @property
    def text(self) -> str:
        return f"{self.count} ({fmt(self.percent, '%')})"


def cohort_cells(size: int, counts: Sequence[int], *, columns: int) -> list[CohortCell | None]:
    """A cohort table row: each later period's count, its share of the cohort and a shade;
    None for periods that have not come yet."""
    cells: list[CohortCell | None] = []
    for k in range(columns):
        if k >= len(counts):
            cells.append(None)
            continue
        percent = share(counts[k], size)
        shade = 0 if not percent else min(5, 1 + int(percent // 20))
        cells.append(CohortCell(count=counts[k], percent=percent, shade=shade))
    return cells
