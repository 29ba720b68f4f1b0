"""Forum meetings: attendee visibility, case items through the referral projection, minutes
versions, action item permissions, carried-over items, the dashboard, bad input."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from coordination.audit.models import AuditEvent
from coordination.core.db import get_session
from coordination.forum.models import ActionItem, AgendaItem, Meeting, MinutesVersion
from coordination.forum.wib import today_wib
from tests.conftest import bearer, csrf_token, sign_in
from tests.test_referrals import world  # noqa: F401  (fixture)

# What the PJK reported in tests.test_alerts_api.ALERT: accounts and amounts an NGO never sees.
FINANCIAL = ("081234567890", "1234567890", "1234-5678-90", "150000", "250000", "DompetKita", "Bank Nusantara")


@pytest.fixture
def forum(world, make_user):  # type: ignore[no-untyped-def]  # noqa: F811
    convener = make_user("fiu", "supervisor", org=world["analyst"].organisation)
    return {
        **world,
        "convener": convener,
        "ngo_supervisor": make_user("ngo", "supervisor", org=world["ngo"].organisation),
        "police_supervisor": make_user("police", "supervisor", org=world["police"].organisation),
    }


def convene(client, f, invited=None, **extra):  # type: ignore[no-untyped-def]
    invited = invited if invited is not None else [f["ngo"].organisation_id, f["police"].organisation_id]
    body = {
        "title": "Forum Pertukaran Data Triwulan IV",
        "starts_at": "2030-12-03T09:00:00+07:00",
        "location": "https://meet.example.id/forum",
        "invited_org_ids": invited,
        **extra,
    }
    return client.post("/api/v1/forum/meetings", headers=bearer(f["convener"]), json=body)


def events(action: str) -> int:
    return get_session().scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action)) or 0


def test_only_convener_and_invitees_see_a_meeting(client, forum):
    created = convene(client, forum)
    assert created.status_code == 201, created.get_json()
    meeting_id = created.get_json()["id"]
    outsider = forum["other_ngo"]
    for user in (forum["ngo"], forum["police"], forum["analyst"]):
        assert client.get(f"/api/v1/forum/meetings/{meeting_id}", headers=bearer(user)).status_code == 200
        listed = client.get("/api/v1/forum/meetings", headers=bearer(user)).get_json()
        assert [m["id"] for m in listed["meetings"]] == [meeting_id]
    assert client.get(f"/api/v1/forum/meetings/{meeting_id}", headers=bearer(outsider)).status_code == 404
    assert client.get("/api/v1/forum/meetings", headers=bearer(outsider)).get_json()["total"] == 0
    page = sign_in(client.application.test_client(), outsider)
    assert page.get(f"/forum/meetings/{meeting_id}").status_code == 404
    assert meeting_id not in page.get("/forum/meetings").get_data(as_text=True)
    attendee_page = sign_in(client.application.test_client(), forum["ngo"]).get(f"/forum/meetings/{meeting_id}")
    body = attendee_page.get_data(as_text=True)
    assert attendee_page.status_code == 200 and "Forum Pertukaran Data Triwulan IV" in body
    assert "2030-12-03 09:00 WIB" in body
    assert events("access.not_visible") >= 2
    # The title is sealed.
    assert "Triwulan IV" not in "\n".join(str(r) for r in get_session().execute(text("SELECT * FROM forum_meetings")))


def test_ngo_attendee_never_sees_the_cases_financial_identifiers(client, forum):
    meeting_id = convene(client, forum).get_json()["id"]
    added = client.post(
        f"/api/v1/forum/meetings/{meeting_id}/agenda", headers=bearer(forum["analyst"]), json={"case_id": forum["case"]}
    )
    assert added.status_code == 201, added.get_json()
    before = events("forum.case_item.view")
    ngo_view = client.get(f"/api/v1/forum/meetings/{meeting_id}", headers=bearer(forum["ngo"])).get_json()
    item = ngo_view["agenda"][0]
    assert item["kind"] == "case" and item["policy_version"]
    dumped = json.dumps(item)
    for value in FINANCIAL:
        assert value not in dumped, value
    assert "Siti Aminah" not in dumped  # no identity either, for information
    assert item["withheld"].get("financial_identifier", 0) > 0 and item["withheld"].get("transaction_detail", 0) > 0
    assert events("forum.case_item.view") == before + 1
    page = sign_in(client.application.test_client(), forum["ngo"]).get(f"/forum/meetings/{meeting_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="agenda-item"' in html
    for value in FINANCIAL:
        assert value not in html, value
    assert events("forum.case_item.view") == before + 2
    # The police attendee sees its own projection for information: accounts pseudonymised.
    police_item = client.get(f"/api/v1/forum/meetings/{meeting_id}", headers=bearer(forum["police"])).get_json()
    police_dump = json.dumps(police_item["agenda"][0])
    assert "081234567890" not in police_dump and "ACC-" in police_dump


def test_only_the_owning_organisation_puts_a_case_forward(client, forum):
    meeting_id = convene(client, forum).get_json()["id"]
    refused = client.post(
        f"/api/v1/forum/meetings/{meeting_id}/agenda", headers=bearer(forum["ngo"]), json={"case_id": forum["case"]}
    )
    assert refused.status_code == 400 and "case_id" in refused.get_json()["error"]["fields"]
    both = client.post(
        f"/api/v1/forum/meetings/{meeting_id}/agenda",
        headers=bearer(forum["analyst"]),
        json={"case_id": forum["case"], "topic": "Tren"},
    )
    assert both.status_code == 400 and "topic" in both.get_json()["error"]["fields"]
    assert get_session().scalar(select(func.count(AgendaItem.id))) == 0
    topic = client.post(
        f"/api/v1/forum/meetings/{meeting_id}/agenda", headers=bearer(forum["ngo"]), json={"topic": "Tren sextortion"}
    )
    assert topic.status_code == 201 and topic.get_json()["agenda"][0]["topic"] == "Tren sextortion"


def test_minutes_versions_are_kept_sealed_and_audited(client, forum):
    meeting_id = convene(client, forum).get_json()["id"]
    url = f"/api/v1/forum/meetings/{meeting_id}/minutes"
    for text_ in ("Draf notulen pertama", "Notulen final: PJK melapor tren top-up game"):
        assert client.put(url, headers=bearer(forum["convener"]), json={"text": text_}).status_code == 200
    assert client.put(url, headers=bearer(forum["ngo"]), json={"text": "x"}).status_code == 403  # no forum.manage
    other_convener = client.put(url, headers=bearer(forum["police_supervisor"]), json={"text": "x"})
    assert other_convener.status_code == 403  # forum.manage, but not the convening organisation
    assert client.put(url, headers=bearer(forum["convener"]), json={"text": "  "}).status_code == 400
    read = client.get(f"/api/v1/forum/meetings/{meeting_id}", headers=bearer(forum["ngo"])).get_json()
    assert read["minutes"]["version"] == 2 and read["minutes"]["text"].startswith("Notulen final")
    assert [v["version"] for v in read["minutes_history"]] == [2, 1]
    assert events("forum.minutes.write") == 2
    assert get_session().scalar(select(func.count(MinutesVersion.id))) == 2
    dump = "\n".join(str(r) for r in get_session().execute(text("SELECT * FROM forum_minutes_versions")))
    assert "Notulen" not in dump
    page = sign_in(client.application.test_client(), forum["ngo"]).get(f"/forum/meetings/{meeting_id}")
    html = page.get_data(as_text=True)
    assert 'data-testid="minutes-history"' in html and "Draf notulen pertama" in html


def add_item(client, f, meeting_id, owner, due, what="Laporkan tren top-up game"):  # type: ignore[no-untyped-def]
    body = {"what": what, "owner_org_id": owner.organisation_id, "due_on": due.isoformat()}
    response = client.post(
        f"/api/v1/forum/meetings/{meeting_id}/action-items", headers=bearer(f["convener"]), json=body
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_only_the_owner_or_the_convener_changes_an_action_item(client, forum):
    meeting_id = convene(client, forum).get_json()["id"]
    item_id = add_item(client, forum, meeting_id, forum["ngo"], today_wib() + timedelta(days=14))
    url = f"/api/v1/forum/action-items/{item_id}"
    assert client.patch(url, headers=bearer(forum["police"]), json={"status": "done"}).status_code == 403
    assert client.patch(url, headers=bearer(forum["other_ngo"]), json={"status": "done"}).status_code == 404
    no_reason = client.patch(url, headers=bearer(forum["ngo"]), json={"status": "dropped"})
    assert no_reason.status_code == 400 and "reason" in no_reason.get_json()["error"]["fields"]
    later = (today_wib() + timedelta(days=30)).isoformat()
    assert client.patch(url, headers=bearer(forum["ngo"]), json={"due_on": later}).status_code == 403
    assert get_session().get(ActionItem, uuid.UUID(item_id)).status == "open"
    moved = client.patch(url, headers=bearer(forum["ngo"]), json={"status": "in_progress"})
    assert moved.status_code == 200 and moved.get_json()["status"] == "in_progress"
    dropped = client.patch(
        url, headers=bearer(forum["convener"]), json={"status": "dropped", "reason": "Digabung ke butir lain"}
    )
    assert dropped.status_code == 200 and dropped.get_json()["reason"] == "Digabung ke butir lain"
    assert events("forum.action_item.update") == 2
    # Only attendees own items; the page form answers 403 for a non-owner attendee too.
    bad_owner = client.post(
        f"/api/v1/forum/meetings/{meeting_id}/action-items",
        headers=bearer(forum["convener"]),
        json={"what": "Sesuatu", "owner_org_id": forum["other_ngo"].organisation_id, "due_on": "2030-01-01"},
    )
    assert bad_owner.status_code == 400 and "owner_org_id" in bad_owner.get_json()["error"]["fields"]
    web = sign_in(client.application.test_client(), forum["police"])
    token = csrf_token(web, f"/forum/meetings/{meeting_id}")
    assert web.post(f"/forum/action-items/{item_id}", data={"status": "done", "csrf_token": token}).status_code == 403


def test_next_meeting_carries_over_open_items(client, forum):
    first = convene(client, forum).get_json()["id"]
    due = today_wib() + timedelta(days=7)
    open_item = add_item(client, forum, first, forum["ngo"], due, "Petakan kanal pulsa")
    done_item = add_item(client, forum, first, forum["police"], due, "Kirim data kasus")
    client.patch(f"/api/v1/forum/action-items/{done_item}", headers=bearer(forum["police"]), json={"status": "done"})
    # The police organisation is not invited again; the NGO owns an open item and is invited for it.
    second = convene(client, forum, invited=[forum["police"].organisation_id], follows_meeting_id=first)
    assert second.status_code == 201, second.get_json()
    body = second.get_json()
    assert [i["carried_from"] for i in body["carried_over"]] == [open_item]
    assert body["carried_over"][0]["what"] == "Petakan kanal pulsa" and body["action_items"] == []
    assert forum["ngo"].organisation_id in {o["id"] for o in body["invitees"]}
    again = convene(client, forum, follows_meeting_id=first)
    assert again.status_code == 400 and "follows_meeting_id" in again.get_json()["error"]["fields"]
    html = sign_in(client.application.test_client(), forum["ngo"]).get(f"/forum/meetings/{body['id']}")
    page = html.get_data(as_text=True)
    assert 'data-testid="carried-over"' in page and f"item-{open_item}" in page
    assert page.index('data-testid="carried-over"') < page.index('data-testid="minutes"')


def test_dashboard_shows_upcoming_meetings_and_overdue_items(client, forum):
    meeting_id = convene(client, forum).get_json()["id"]
    add_item(
        client, forum, meeting_id, forum["ngo"], today_wib() - timedelta(days=2), "Serahkan data korban teragregasi"
    )
    add_item(
        client, forum, meeting_id, forum["police"], today_wib() + timedelta(days=5), "Butir polisi belum jatuh tempo"
    )
    ngo_board = sign_in(client.application.test_client(), forum["ngo"]).get("/").get_data(as_text=True)
    assert "Forum Pertukaran Data Triwulan IV" in ngo_board
    overdue = ngo_board.split('data-testid="overdue-action-items"')[1].split("</section>")[0]
    assert "Serahkan data korban teragregasi" in overdue
    police_board = sign_in(client.application.test_client(), forum["police"]).get("/").get_data(as_text=True)
    assert "Serahkan data korban teragregasi" not in police_board
    assert "Butir polisi belum jatuh tempo" not in police_board  # not overdue
    outsider_board = sign_in(client.application.test_client(), forum["other_ngo"]).get("/").get_data(as_text=True)
    assert "Triwulan IV" not in outsider_board


def test_bad_input_changes_nothing(client, forum):
    cases = [
        ({"invited_org_ids": [987654]}, "invited_org_ids.0"),
        ({"invited_org_ids": [forum["convener"].organisation_id]}, "invited_org_ids.0"),
        ({"starts_at": "2030-12-03T09:00:00"}, "starts_at"),
        ({"period_start": "2030-12-01", "period_end": "2030-11-01"}, "period_start"),
        ({"title": ""}, "title"),
        ({"colour": "red"}, "colour"),
    ]
    for extra, field in cases:
        body = {"invited_org_ids": [forum["ngo"].organisation_id]} | extra
        response = convene(
            client, forum, **{k: v for k, v in body.items() if k != "invited_org_ids"}, invited=body["invited_org_ids"]
        )
        assert response.status_code == 400, (extra, response.get_json())
        assert field in response.get_json()["error"]["fields"], (field, response.get_json())
    assert get_session().scalar(select(func.count(Meeting.id))) == 0
    assert events("forum.meeting.create") == 0
    regulator = client.post("/api/v1/forum/meetings", headers=bearer(forum["regulator"]), json={"title": "x"})
    assert regulator.status_code == 403  # forum.manage is a convener's permission


def test_convener_uses_the_pages(client, forum):
    web = sign_in(client.application.test_client(), forum["convener"])
    token = csrf_token(web, "/forum/meetings/new")
    form = {
        "csrf_token": token,
        "title": "Forum Januari",
        "starts_at": "2031-01-15T10:00",
        "location": "Gedung PPATK, Jakarta",
        "invited_org_ids": [str(forum["ngo"].organisation_id)],
    }
    created = web.post("/forum/meetings/new", data=form)
    assert created.status_code == 302, created.get_data(as_text=True)
    meeting = get_session().scalar(select(Meeting))
    assert meeting.starts_at.isoformat() == "2031-01-15T03:00:00+00:00"  # entered in WIB
    show = web.get(created.headers["Location"]).get_data(as_text=True)
    assert "2031-01-15 10:00 WIB" in show and 'data-testid="statistics"' in show
    web.post(f"/forum/meetings/{meeting.id}/minutes", data={"csrf_token": token, "text": "Notulen rapat"})
    assert get_session().scalar(select(func.count(MinutesVersion.id))) == 1
    bad = web.post("/forum/meetings/new", data={**form, "invited_org_ids": []})
    assert bad.status_code == 400
    assert get_session().scalar(select(func.count(Meeting.id))) == 1


def test_the_meetings_statistics_pack_is_embedded_and_its_files_audited(client, forum):
    # The period holds the PJK's payments of May 2026 (tests.test_alerts_api.ALERT).
    meeting_id = convene(client, forum, period_start="2026-01-01", period_end="2026-12-31").get_json()["id"]
    web = sign_in(client.application.test_client(), forum["ngo"])
    page = web.get(f"/forum/meetings/{meeting_id}").get_data(as_text=True)
    assert f"/forum/meetings/{meeting_id}/statistics" in page  # the meeting page links the pack
    before = events("stats.view")
    pack_page = web.get(f"/forum/meetings/{meeting_id}/statistics").get_data(as_text=True)
    section = pack_page.split('data-testid="statistics"')[1].split("</section>")[0]
    assert "<svg" in section  # the charts are drawn in the page
    assert events("stats.view") == before + 1
    before = events("stats.view")
    csv_file = web.get(f"/forum/meetings/{meeting_id}/stats.csv")
    assert csv_file.status_code == 200 and csv_file.headers["Content-Type"].startswith("text/csv")
    pdf = web.get(f"/forum/meetings/{meeting_id}/stats.pdf")
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert events("stats.view") == before + 2
    outsider = sign_in(client.application.test_client(), forum["other_ngo"])
    assert outsider.get(f"/forum/meetings/{meeting_id}/stats.csv").status_code == 404
    empty = convene(client, forum, period_start="2019-01-01", period_end="2019-03-31").get_json()["id"]
    assert web.get(f"/forum/meetings/{empty}/statistics").status_code == 200  # a period with no payments at all
    assert outsider.get(f"/forum/meetings/{meeting_id}/statistics").status_code == 404
