"""Screening in the platform: a PJK uploads an export (page or API), the run screens it on a job
thread, the analyst reviews the explained findings and raises the confirmed accounts as alerts,
deduplicated against the PJK's open alerts; nothing of the export stays behind."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from coordination.alerts.models import Alert
from coordination.audit.models import AuditEvent
from coordination.core.db import get_session
from coordination.screening.models import ScreeningRun
from tests.conftest import bearer, sign_in

COLUMNS = (
    "tx_id,timestamp,amount,currency,channel,sender_account,sender_name,sender_country,sender_birth_date,"
    "receiver_account,receiver_name,receiver_country,receiver_birth_date,note"
)
COLLECTOR = "8800112233"


def export_csv(collector: str = COLLECTOR) -> bytes:
    """A collector paid at night by 40 distinct people, many abroad, small live-gift and e-wallet
    amounts with coded notes; and ordinary daytime traffic between other accounts."""
    start = datetime(2026, 6, 1, 16, 0, tzinfo=UTC)  # 23:00 WIB
    rows = [COLUMNS]
    for i in range(40):
        at = (start + timedelta(hours=3 * i)).isoformat().replace("+00:00", "Z")
        country = "AU" if i % 3 == 0 else "ID"
        channel = "live_gift" if i % 2 else "e_wallet"
        note = ["vcs ya", "buat jajaaan", "0pen b0", "umur 14"][i % 4]
        rows.append(
            f"S{i},{at},{50000 + 1000 * (i % 7)},IDR,{channel},ACC{i:04d},Pengirim {i},{country},1980-01-01,"
            f"{collector},Mawar,ID,2011-05-05,{note}"
        )
    for i in range(30):
        at = datetime(2026, 6, 2 + i % 20, 3, 0, tzinfo=UTC).isoformat()  # 10:00 WIB
        rows.append(
            f"N{i},{at},{250000 + 5000 * i},IDR,bank_transfer,PAY{i % 5},Budi {i % 5},ID,,"
            f"SHOP{i % 7},Toko {i % 7},ID,,pembayaran pesanan {i}"
        )
    return ("\n".join(rows) + "\n").encode()


def upload(client, user, data: bytes, name: str = "export.csv", **form):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/screening",
        headers=bearer(user),
        data={"file": (io.BytesIO(data), name), **form},
        content_type="multipart/form-data",
    )


def finished(app, client, user, run_id: str) -> dict:  # type: ignore[no-untyped-def]
    app.extensions["simpul.jobs"].wait(timeout=120)
    return client.get(f"/api/v1/screening/{run_id}", headers=bearer(user)).get_json()


def test_a_pjk_screens_an_export_reviews_and_raises_once(app, client, make_user):
    analyst = make_user("pjk", "member")
    started = upload(client, analyst, export_csv())
    assert started.status_code == 202, started.get_json()
    assert started.get_json()["status"] == "queued"
    run = finished(app, client, analyst, started.get_json()["id"])
    assert run["status"] == "done" and run["rows_read"] == 70 and run["rows_rejected"] == 0
    flagged = {f["account"]: f for f in run["flagged"]}
    assert COLLECTOR in flagged, run
    collector = flagged[COLLECTOR]
    assert {"fan_in", "coded_note"} <= {hit["id"] for hit in collector["indicators"]}
    fan_in = next(hit for hit in collector["indicators"] if hit["id"] == "fan_in")
    assert "40" in fan_in["explanation"] and len(fan_in["tx_ids"]) >= 30
    assert not any(a.startswith("SHOP") for a in flagged)  # ordinary shop payments are not flagged
    reads = get_session().scalars(select(AuditEvent).where(AuditEvent.action == "screening.view")).all()
    assert reads and reads[-1].actor_user_id == analyst.id

    raised = client.post(
        f"/api/v1/screening/{run['id']}/raise", headers=bearer(analyst), json={"accounts": [COLLECTOR]}
    ).get_json()
    assert [r["account"] for r in raised["created"]] == [COLLECTOR] and raised["duplicates"] == []
    alert = client.get(f"/api/v1/alerts/{raised['created'][0]['alert_id']}", headers=bearer(analyst)).get_json()
    assert alert["subjects"][0]["accounts"][0]["identifier"] == COLLECTOR
    assert "fan_in" in alert["indicators"] and len(alert["transactions"]) >= 30
    assert "penyaringan red flag" in alert["narrative"]

    again = client.post(
        f"/api/v1/screening/{run['id']}/raise", headers=bearer(analyst), json={"accounts": [COLLECTOR]}
    ).get_json()
    assert again["created"] == [] and again["duplicates"][0]["alert_id"] == raised["created"][0]["alert_id"]

    second = upload(client, analyst, export_csv(), name="export-juni.csv").get_json()
    finished(app, client, analyst, second["id"])
    dedup = client.post(
        f"/api/v1/screening/{second['id']}/raise", headers=bearer(analyst), json={"accounts": [COLLECTOR]}
    ).get_json()
    assert dedup["created"] == [] and dedup["duplicates"][0]["alert_id"] == raised["created"][0]["alert_id"]
    organisation = analyst.organisation_id
    count = get_session().scalars(select(Alert).where(Alert.organisation_id == organisation)).all()
    assert len(count) == 1


def test_runs_are_the_organisations_own(app, client, make_user, make_org):
    analyst = make_user("pjk", "member")
    run_id = upload(client, analyst, export_csv()).get_json()["id"]
    app.extensions["simpul.jobs"].wait(timeout=120)
    other_bank = make_user("pjk", "supervisor", org=make_org("pjk"))
    assert client.get(f"/api/v1/screening/{run_id}", headers=bearer(other_bank)).status_code == 404
    assert client.get("/api/v1/screening", headers=bearer(other_bank)).get_json()["total"] == 0
    refused = client.post(
        f"/api/v1/screening/{run_id}/raise", headers=bearer(other_bank), json={"accounts": [COLLECTOR]}
    )
    assert refused.status_code == 404
    ngo = make_user("ngo", "supervisor")
    assert upload(client, ngo, export_csv()).status_code == 403


def test_bad_exports_are_refused_with_the_problem_named_and_nothing_kept(app, client, make_user):
    analyst = make_user("pjk", "member")
    before = get_session().scalars(select(ScreeningRun)).all()
    refused = upload(client, analyst, b"tx_id,amount\n1,2\n", name="export.xlsx")
    assert refused.status_code == 400 and "export" in refused.get_json()["error"]["fields"]
    assert get_session().scalars(select(ScreeningRun)).all() == before

    broken = export_csv().replace(b",e_wallet,", b",carrier_pigeon,", 1)
    run = finished(app, client, analyst, upload(client, analyst, broken).get_json()["id"])
    assert run["status"] == "failed" and run["flagged"] == []
    assert "channel" in run["error"] and "carrier_pigeon" not in json.dumps(run["flagged"])

    skipped = finished(app, client, analyst, upload(client, analyst, broken, skip_bad_rows="true").get_json()["id"])
    assert skipped["status"] == "done" and skipped["rows_rejected"] == 1 and skipped["rows_read"] == 70
    assert any("channel" in line for line in skipped["rejects"])
    leftovers = list((app.extensions["simpul.config"].data_dir / "tmp").iterdir())
    assert leftovers == []  # the export never stays on disk


def test_screening_in_the_browser_pages(app, make_user):
    analyst = make_user("pjk", "member")
    client = sign_in(app.test_client(), analyst)
    page = client.get("/screening").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    posted = client.post(
        "/screening",
        data={"csrf_token": token, "export": (io.BytesIO(export_csv()), "juni.csv")},
        content_type="multipart/form-data",
    )
    assert posted.status_code == 302 and "/screening/" in posted.headers["Location"]
    app.extensions["simpul.jobs"].wait(timeout=120)
    shown = client.get(posted.headers["Location"]).get_data(as_text=True)
    assert COLLECTOR in shown and 'name="accounts"' in shown and "juni.csv" in shown
    run_id = posted.headers["Location"].rstrip("/").rsplit("/", 1)[1]
    raised = client.post(f"/screening/{run_id}/raise", data={"csrf_token": token, "accounts": [COLLECTOR]})
    assert raised.status_code == 302
    shown = client.get(f"/screening/{run_id}").get_data(as_text=True)
    assert "/alerts/" in shown
    discarded = client.post(f"/screening/{run_id}/discard", data={"csrf_token": token})
    assert discarded.status_code == 302
    assert get_session().get(ScreeningRun, uuid.UUID(run_id)).results_sealed is None
