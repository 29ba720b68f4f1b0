"""The pack as HTML for embedding, CSV and PDF.

    render_pack_html(pack: StatsPack) -> Markup
    pack_csv(pack: StatsPack) -> str
    pack_pdf(pack: StatsPack, title: str) -> bytes

All three show only what the pack holds, so suppression cannot be bypassed by a format. They
need an application context (labels come from the policy files in the current language).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from coordination.core.spreadsheet import neutralise
from coordination.core.templating import vocabulary_label
from coordination.policy import role_policy, statistics_policy
from coordination.statistics.charts import data_uri, mix_chart, trend_chart
from coordination.statistics.dimensions import UNKNOWN
from coordination.statistics.pack import StatsPack

VOCABULARY = {"typology": "typologies", "indicator": "indicators", "channel": "channels", "province": "provinces"}


def value_label(dim: str, value: str) -> str:
    """A dimension value in the current language: catalogue names, organisation kinds, quarters."""
    if value == UNKNOWN:
        return _("Unknown")
    if dim in VOCABULARY:
        return vocabulary_label(VOCABULARY[dim], value)
    if dim == "org_kind":
        entry = role_policy().kinds.get(value)
        return entry.get(str(get_locale())) if entry else value
    return value


def dimension_label(dim: str) -> str:
    entry = statistics_policy().dimensions.get(dim)
    return entry.get(str(get_locale())) if entry else dim


def measure_labels() -> dict[str, str]:
    return {
        "alerts": _("Alerts"),
        "cases": _("Cases"),
        "referrals": _("Referrals"),
        "amount_sum": _("Amount, total (IDR)"),
        "amount_median": _("Amount, median (IDR)"),
    }


def charts(pack: StatsPack) -> dict[str, Markup]:
    labels = measure_labels()
    found: dict[str, Markup] = {}
    if "quarter" in pack.charts:
        found["trend"] = trend_chart(pack.charts["quarter"], labels, _("Trend by quarter"))
    if "channel" in pack.charts:
        found["channels"] = mix_chart(
            pack.charts["channel"], "alerts", lambda v: value_label("channel", v), _("Alerts by payment channel")
        )
    if "typology" in pack.charts:
        found["typologies"] = mix_chart(
            pack.charts["typology"], "alerts", lambda v: value_label("typology", v), _("Alerts by typology")
        )
    return found


def _context(pack: StatsPack) -> dict[str, object]:
    return {
        "pack": pack,
        "charts": charts(pack),
        "measures": measure_labels(),
        "dim_label": dimension_label,
        "value_label": value_label,
    }


def render_pack_html(pack: StatsPack) -> Markup:
    """Tables and inline SVG charts, for a page that extends base.html (e.g. a meeting's page)."""
    # Jinja autoescaped the template; the SVG charts in it are escaped by charts.py.
    return Markup(render_template("statistics/_pack.html", **_context(pack)))  # noqa: S704


def _write(writer: csv.writer, rows: Iterable[Iterable[object]]) -> None:  # type: ignore[valid-type]
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])


def pack_csv(pack: StatsPack) -> str:
    """The main table, then (after an empty line) the referral outcomes. Codes, not labels, so
    that spreadsheets and scripts can join it with other data; hidden counts read "<5"."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    measures = ["alerts", "cases", "referrals", "amount_sum", "amount_median"]
    _write(writer, [[*pack.table.dims, *measures]])
    _write(writer, ([*row.key, *(getattr(row, m) for m in measures)] for row in pack.table.rows))
    writer.writerow([])
    _write(
        writer, [["recipient_kind", "referrals", "accepted", "declined", "responded", "median_hours_to_first_response"]]
    )
    _write(
        writer,
        ([o.org_kind, o.referrals, o.accepted, o.declined, o.responded, o.median_hours] for o in pack.outcomes),
    )
    return out.getvalue()


def _data_only_fetcher() -> object:
    """WeasyPrint may load nothing from the network or the disk: charts are data: URIs."""
    try:  # WeasyPrint >= 66: a fetcher object with a protocol allow-list
        from weasyprint.urls import URLFetcher

        return URLFetcher(allowed_protocols=("data",))
    except ImportError:  # older releases take a function
        from weasyprint.urls import default_url_fetcher

        def fetch(url: str) -> dict:
            if not url.startswith("data:"):
                raise ValueError(f"the statistics PDF loads no external resource ({url[:40]})")
            return default_url_fetcher(url)

        return fetch


def pack_pdf(pack: StatsPack, title: str) -> bytes:
    """A4 PDF: title, period and scope, the charts on the first page, then the tables."""
    from weasyprint import HTML  # imported here: it loads Pango, which only this export needs

    context = _context(pack)
    context["chart_images"] = {name: data_uri(svg) for name, svg in context["charts"].items()}  # type: ignore[union-attr]
    html = render_template("statistics/pdf.html", title=title, **context)
    return HTML(string=html, url_fetcher=_data_only_fetcher()).write_pdf()
