"""Server-side SVG bar charts: no JavaScript, readable by screen readers (role="img" with a
title and description; every chart on a page also has its data as a table next to it).

Grouped horizontal bars: one group per category, one bar per series; colours from a palette
with at least 3:1 contrast against white (WCAG 1.4.11), and a text legend.
"""

from dataclasses import dataclass

from markupsafe import Markup, escape

PALETTE = ("#1f4e79", "#b35900", "#2e7d32", "#6a1b9a")  # all >= 4.5:1 on white
ROW, BAR_GAP, LABEL_WIDTH, WIDTH = 14, 3, 210, 720


@dataclass(frozen=True)
class Series:
    label: str
    values: list[int]  # one per category, in cents or units; negative values drawn as 0


def bar_chart(
    chart_id: str, title: str, categories: list[str], series: list[Series], fmt
) -> Markup:
    """`fmt` formats a value for the labels at the end of each bar (e.g. the euro filter)."""
    peak = max((v for s in series for v in s.values), default=0) or 1
    plot = WIDTH - LABEL_WIDTH - 110
    group = len(series) * (ROW + BAR_GAP) + 10
    height = 30 + len(categories) * group
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">Staafdiagram; dezelfde cijfers staan in de tabel '
        f"hieronder.</desc>",
    ]
    x = LABEL_WIDTH
    for n, s in enumerate(series):  # legend
        parts.append(
            f'<rect x="{x}" y="4" width="12" height="12" fill="{PALETTE[n % len(PALETTE)]}"/>'
            f'<text x="{x + 16}" y="15" font-size="12">{escape(s.label)}</text>'
        )
        x += 30 + 7 * len(s.label)
    for c, category in enumerate(categories):
        top = 30 + c * group
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{top + group / 2}" font-size="12" '
            f'text-anchor="end">{escape(category)}</text>'
        )
        for n, s in enumerate(series):
            value = s.values[c]
            width = max(value, 0) / peak * plot
            y = top + n * (ROW + BAR_GAP)
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{ROW}" '
                f'fill="{PALETTE[n % len(PALETTE)]}"/>'
                f'<text x="{LABEL_WIDTH + width + 4:.1f}" y="{y + ROW - 3}" font-size="11">'
                f"{escape(fmt(value))}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))
