"""A forum series for the demo: last month's meeting with minutes and action items (one overdue),
and next month's, which carries the open items over and puts PPATK's case on the agenda."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from coordination.accounts.models import Organisation, User
from coordination.cases.models import Case
from coordination.core.db import get_session, utcnow
from coordination.forum.operations.action_items import create_action_item, update_action_item
from coordination.forum.operations.agenda import add_agenda_item
from coordination.forum.operations.meetings import create_meeting
from coordination.forum.operations.minutes import write_minutes
from coordination.forum.schemas import ActionItemIn, ActionItemUpdate, AgendaItemIn, MeetingIn
from coordination.forum.wib import WIB


def seed_demo_forum(domain: str, case: Case) -> None:
    convener = get_session().scalar(select(User).where(User.email == f"supervisor@fiu.{domain}"))
    invited = {
        org.kind: org
        for org in get_session().scalars(
            select(Organisation).where(
                Organisation.kind.in_(("pjk", "police", "ministry", "service", "ngo", "regulator"))
            )
        )
    }
    today = utcnow().astimezone(WIB).replace(hour=9, minute=0, second=0, microsecond=0)
    last = create_meeting(
        convener,
        MeetingIn(
            title="Forum Koordinasi Penanganan Eksploitasi Seksual Anak, Triwulan III (demo)",
            starts_at=today - timedelta(days=30),
            location="Gedung PPATK, Jakarta, dan tautan video",
            invited_org_ids=[org.id for org in invited.values()],
        ),
    )
    add_agenda_item(convener, last, AgendaItemIn(topic="Tren pembayaran top up game dan hadiah live streaming"))
    write_minutes(
        convener,
        last,
        "Peserta sepakat memperluas indikator kanal pembayaran; PJK melaporkan kenaikan pola fan-in kecil "
        "lintas negara. Tindak lanjut dicatat sebagai butir tindakan.",
    )
    overdue = create_action_item(
        convener,
        last,
        ActionItemIn(
            what="Bagikan daftar kata kode berita transfer terbaru kepada PJK",
            owner_org_id=invited["ngo"].id,
            due_on=(today - timedelta(days=7)).date(),
        ),
    )
    done = create_action_item(
        convener,
        last,
        ActionItemIn(
            what="Uji penyaringan red flag atas ekspor transaksi Oktober",
            owner_org_id=invited["pjk"].id,
            due_on=(today - timedelta(days=10)).date(),
        ),
    )
    update_action_item(convener, last, done, ActionItemUpdate(status="done"))
    update_action_item(convener, last, overdue, ActionItemUpdate(status="in_progress"))
    following = create_meeting(
        convener,
        MeetingIn(
            title="Forum Koordinasi Penanganan Eksploitasi Seksual Anak, Triwulan IV (demo)",
            starts_at=today + timedelta(days=14),
            location="Kantor KemenPPPA, Jakarta",
            invited_org_ids=[org.id for org in invited.values()],
            follows_meeting_id=last.id,
        ),
    )
    add_agenda_item(convener, following, AgendaItemIn(case_id=case.id))
