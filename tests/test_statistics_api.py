"""The statistics API, page, CSV and PDF: shape, bad parameters, permission, audit, exports."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select

from coordination.audit.models import AuditEvent
from coordination.core.db import get_session
from coordination.statistics import pack_csv
from coordination.statistics.pack import PackRow, PackTable, StatsPack
from tests.conftest import bearer, sign_in
from tests.statistics_data import FEB, MAY, add_alert
from tests.test_statistics import world  # noqa: F401  (fixture)

PERIOD = "from=2026-01-01&to=2026-12-31"


def test_json_shape_for_an_organisation(client, world, make_user):  # noqa: F811
    user = make_user("pjk", "supervisor", org=world["a"])
    response = client.get(f"/api/v1/stats?{PERIOD}&group_by=typology,channel", headers=bearer(user))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["min_cell"] == 5 and body["scope"] == "organisation"
    assert body["group_by"] == ["typology", "channel"]
    row = next(r for r in body["rows"] if r["typology"] == "grooming_payments" and r["channel"] == "bank_transfer")
    assert set(row) == {"typology", "channel", "alerts", "cases", "referrals", "amount_sum", "amount_median"}
    assert row["alerts"] == 7 and row["amount_sum"] == "7000.00"
    assert body["suppressed_cells"] == sum(
        1 for r in body["rows"] for m in ("alerts", "cases", "referrals") if r[m] == "<5"
    )
    # B's five sextortion alerts paid by pulsa are not A's: no pulsa sextortion cell at all.
    assert not [r for r in body["rows"] if r["typology"] == "sextortion" and r["channel"] == "pulsa"]
    event = get_session().scalars(select(AuditEvent).where(AuditEvent.action == "stats.view")).one()
    assert json.loads(event.detail)["group_by"] == "typology,channel"
    assert json.loads(event.detail)["scope"] == [world["a"].id]


def test_ppatk_supervisors_see_every_organisation(client, world, make_user):  # noqa: F811
    user = make_user("fiu", "supervisor", org=world["fiu"])
    body = client.get(f"/api/v1/stats?{PERIOD}&group_by=typology", headers=bearer(user)).get_json()
    assert body["scope"] == "national"
    assert {r["typology"]: r["alerts"] for r in body["rows"]}["sextortion"] == 11
    assert body["referral_outcomes"][0]["recipient_kind"] == "police"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-01-01&to=2026-12-31&group_by=typology,nik", "group_by"),
        ("from=2026-12-31&to=2026-01-01", "to"),
        ("from=2026-13-01&to=2026-12-31", "from"),
        ("from=yesterday&to=2026-12-31", "from"),
        ("to=2026-12-31", "from"),
        ("from=2026-01-01&to=2026-12-31&group_by=typology,typology", "group_by"),
        ("from=2026-01-01&to=2026-12-31&org=3", "org"),
    ],
)
def test_bad_parameters_are_refused_by_name(client, make_user, query, field):
    user = make_user("fiu", "supervisor")
    for path in ("/api/v1/stats", "/api/v1/stats.csv", "/api/v1/stats.pdf"):
        response = client.get(f"{path}?{query}", headers=bearer(user))
        assert response.status_code == 400
        assert field in json.dumps(response.get_json())


def test_members_without_the_permission_are_refused(client, make_user):
    assert client.get(f"/api/v1/stats?{PERIOD}", headers=bearer(make_user("pjk", "member"))).status_code == 403


def test_csv_neutralises_formulas(client, world, make_user):  # noqa: F811
    for _ in range(6):  # enough to be shown: a province value that a spreadsheet would run
        add_alert(world["a"], ["sextortion"], [("e_wallet", 10)], ['=HYPERLINK("http://x.example","y")'], FEB)
    user = make_user("pjk", "supervisor", org=world["a"])
    response = client.get(f"/api/v1/stats.csv?{PERIOD}&group_by=province", headers=bearer(user))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["province", "alerts", "cases", "referrals", "amount_sum", "amount_median"]
    cells = [cell for row in rows for cell in row]
    assert '\'=HYPERLINK("http://x.example","y")' in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]


def test_csv_cells_starting_with_formula_characters_are_prefixed():
    row = PackRow(("+1", "-2", "@x", "=y"), 7, 0, "<5", None, None)
    table = PackTable(("a", "b", "c", "d"), [row], 1)
    pack = StatsPack(MAY.date(), MAY.date(), table.dims, None, 5, table, row, {}, [])
    text = pack_csv(pack)
    assert text.splitlines()[1] == "'+1,'-2,'@x,'=y,7,0,<5,,"


def test_the_page_shows_the_table_charts_and_links(app, world, make_user):  # noqa: F811
    user = make_user("fiu", "supervisor", org=world["fiu"])
    client = sign_in(app.test_client(), user)
    page = client.get(f"/statistics?{PERIOD}&group_by=typology&group_by=channel")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-testid="stats-pack"' in html and html.count("<svg") == 3
    assert "/api/v1/stats.csv?" in html and "/api/v1/stats.pdf?" in html
    assert 'href="/statistics"' in html  # the navigation link
    assert "<script" not in html.split("<main", 1)[-1]
    assert client.get("/statistics?from=2026-05-01&to=2026-01-01").status_code == 400


def test_the_page_is_refused_without_the_permission(app, make_user):
    client = sign_in(app.test_client(), make_user("ngo", "member"))
    assert client.get("/statistics").status_code == 403
