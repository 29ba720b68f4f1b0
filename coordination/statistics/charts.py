"""Server-side SVG charts of a pack: trend by quarter, channel mix, typology mix.

    trend_chart(table: PackTable, labels: dict[str, str], title: str) -> Markup
    mix_chart(table: PackTable, measure: str, label_of: Callable[[str], str], title: str) -> Markup

Hand-written SVG (a few rectangles and texts) rather than a plotting library: no JavaScript, no
CDN, nothing fetched, and it passes the page's CSP (presentation attributes only, no style).
Every text is escaped. A hidden cell is drawn as a dashed outline marked "<5", never as a bar
whose length would tell its value; bars are scaled to the largest visible value only.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from markupsafe import Markup, escape

from coordination.statistics.pack import PackTable, Shown

COLOURS = {"alerts": "#1f6f8b", "cases": "#e07a5f", "referrals": "#3d405b"}
HIDDEN_STROKE = "#8a8a8a"
FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    label = escape(title)
    # Every interpolated text went through escape(); the rest is our own markup.
    return Markup(  # noqa: S704
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{label}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
        f"<title>{label}</title>"
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>'
        f'<text x="8" y="20" font-size="14" font-weight="bold" {FONT} fill="#222222">{label}</text>'
        + "".join(body)
        + "</svg>"
    )


def _hidden_marker(x: float, y: float, w: float, h: float, text: str) -> str:
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="none" stroke="{HIDDEN_STROKE}" '
        f'stroke-dasharray="3 2" class="suppressed"/>'
        f'<text x="{x + w / 2:.1f}" y="{y + h / 2 + 4:.1f}" font-size="10" text-anchor="middle" {FONT} '
        f'fill="#555555">{escape(text)}</text>'
    )


def _short(text: str, limit: int = 32) -> str:
    """Category names can be long sentences; the full name stays in the table."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _scale(values: list[Shown]) -> int:
    return max([v for v in values if isinstance(v, int)] + [1])


def mix_chart(table: PackTable, measure: str, label_of: Callable[[str], str], title: str) -> Markup:
    """Horizontal bars of one measure per category, largest visible first."""
    rows = [(row.key[0], getattr(row, measure)) for row in table.rows if getattr(row, measure) != 0]
    rows.sort(key=lambda item: (-(item[1] if isinstance(item[1], int) else -1), item[0]))
    top = _scale([value for _, value in rows])
    width, left, bar_area, step = 640, 230, 340, 24
    body: list[str] = []
    for i, (name, value) in enumerate(rows):
        y = 36 + i * step
        body.append(
            f'<text x="{left - 8}" y="{y + 14}" font-size="12" text-anchor="end" {FONT} fill="#222222">'
            f"{escape(_short(label_of(name)))}</text>"
        )
        if isinstance(value, int):
            w = max(2.0, bar_area * value / top)
            body.append(f'<rect x="{left}" y="{y + 2}" width="{w:.1f}" height="{step - 6}" fill="{COLOURS[measure]}"/>')
            body.append(
                f'<text x="{left + w + 6:.1f}" y="{y + 14}" font-size="11" {FONT} fill="#222222">{value}</text>'
            )
        else:
            body.append(_hidden_marker(left, y + 2, 36, step - 6, value))
    if not rows:
        body.append(f'<text x="8" y="52" font-size="12" {FONT} fill="#555555">-</text>')
    return _svg(width, 44 + max(len(rows), 1) * step, title, body)


def trend_chart(table: PackTable, labels: dict[str, str], title: str) -> Markup:
    """Grouped vertical bars per quarter: alerts, cases and referrals, with a legend."""
    quarters = [row.key[0] for row in table.rows]
    measures = list(COLOURS)
    top = _scale([getattr(row, m) for row in table.rows for m in measures])
    width, height, base, plot = 640, 260, 220, 160
    group = (width - 60) / max(len(quarters), 1)
    bar = min(28.0, group / 4)
    body: list[str] = [f'<line x1="40" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#999999"/>']
    for i, measure in enumerate(measures):  # legend
        x = 300 + i * 110
        body.append(f'<rect x="{x}" y="10" width="12" height="12" fill="{COLOURS[measure]}"/>')
        body.append(f'<text x="{x + 16}" y="21" font-size="11" {FONT} fill="#222222">{escape(labels[measure])}</text>')
    for qi, row in enumerate(table.rows):
        x0 = 50 + qi * group
        for mi, measure in enumerate(measures):
            value = getattr(row, measure)
            x = x0 + mi * bar
            if isinstance(value, int):
                h = plot * value / top
                body.append(
                    f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar - 2:.1f}" height="{h:.1f}" '
                    f'fill="{COLOURS[measure]}"><title>{escape(labels[measure])}: {value}</title></rect>'
                )
                body.append(
                    f'<text x="{x + bar / 2 - 1:.1f}" y="{base - h - 3:.1f}" font-size="9" text-anchor="middle" '
                    f'{FONT} fill="#222222">{value}</text>'
                )
            else:
                body.append(_hidden_marker(x, base - 24, bar - 2, 24, value))
        body.append(
            f'<text x="{x0 + 1.5 * bar:.1f}" y="{base + 16}" font-size="11" text-anchor="middle" {FONT} '
            f'fill="#222222">{escape(quarters[qi])}</text>'
        )
    return _svg(width, height, title, body)


def data_uri(svg: Markup) -> str:
    """The chart as an image source, for documents that embed pictures rather than markup (PDF)."""
    return "data:image/svg+xml;base64," + base64.b64encode(str(svg).encode()).decode()
