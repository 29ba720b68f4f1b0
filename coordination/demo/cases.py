"""Demo case data: two alerts from the demo bank, one escalated, a PPATK case and two referrals.

Invented people and numbers, shaped like DOMAIN.md's typologies, so a new user sees each page
with something on it.
"""

from __future__ import annotations

from sqlalchemy import select

from coordination.accounts.models import Organisation, User
from coordination.alerts.operations.actions import act_on_alert
from coordination.alerts.operations.raise_alert import raise_alert
from coordination.alerts.schemas import AlertAction, AlertIn
from coordination.cases.models import Case
from coordination.cases.operations.create_case import create_case
from coordination.cases.schemas import CaseIn
from coordination.core.db import get_session
from coordination.referrals.operations.actions import act_on_referral
from coordination.referrals.operations.send import send_referral
from coordination.referrals.schemas import ReferralAction, ReferralIn

GROOMING = {
    "reference": "DEMO-STR-0001",
    "typologies": ["grooming_payments", "live_streaming"],
    "indicators": ["fan_in", "coded_note", "minor_receiver", "typology_channel"],
    "narrative": "Rekening e-wallet milik Putri Lestari (15 tahun) menerima 38 transfer kecil dari 27 pengirim "
    "dalam 9 hari, sebagian dengan berita 'buat jajan ya' dan 'top up diamond'. Pengirim terbesar "
    "Hendra Wijaya, 0813-5555-0101.",
    "subjects": [
        {
            "role": "victim",
            "name": "Putri Lestari",
            "nik": "3174015507110002",
            "birth_date": "2011-07-15",
            "gender": "female",
            "phone": "081377770202",
            "province": "dki_jakarta",
            "accounts": [{"type": "e_wallet", "provider": "DompetKita", "identifier": "081377770202"}],
        },
        {
            "role": "suspect",
            "name": "Hendra Wijaya",
            "phone": "081355550101",
            "email": "hendra.w@mail.example.com",
            "gender": "male",
            "province": "jawa_barat",
            "accounts": [{"type": "bank", "provider": "Bank Nusantara", "identifier": "7720019933"}],
        },
    ],
    "transactions": [
        {
            "tx_id": "BN-7781",
            "timestamp": "2026-10-02T22:41:00+07:00",
            "amount": "150000",
            "channel": "e_wallet",
            "from_account": "7720019933",
            "to_account": "081377770202",
            "note": "buat jajan ya",
        },
        {
            "tx_id": "BN-7795",
            "timestamp": "2026-10-04T23:05:00+07:00",
            "amount": "250000",
            "channel": "game_topup",
            "from_account": "7720019933",
            "to_account": "081377770202",
            "note": "top up diamond",
        },
    ],
}
SEXTORTION = {
    "reference": "DEMO-STR-0002",
    "typologies": ["sextortion"],
    "indicators": ["minor_payer_escalation"],
    "narrative": "Nasabah berusia 16 tahun mentransfer nominal yang terus naik ke akun baru dalam dua hari.",
    "subjects": [{"role": "account_holder", "birth_date": "2010-03-09", "gender": "male", "province": "banten"}],
    "transactions": [
        {
            "tx_id": "BN-8001",
            "timestamp": "2026-10-10T20:00:00+07:00",
            "amount": "100000",
            "channel": "e_wallet",
            "to_account": "089911112222",
        },
        {
            "tx_id": "BN-8002",
            "timestamp": "2026-10-11T21:30:00+07:00",
            "amount": "400000",
            "channel": "e_wallet",
            "to_account": "089911112222",
        },
    ],
}


# An ECPAT hotline complaint (DOMAIN.md typology 4, sextortion), recorded on the NGO's own case.
COMPLAINT = {
    "title": "Pengaduan hotline: pemerasan video (demo)",
    "summary": "Ibu Rina Wati melapor: anaknya Wulan Sari diperas lewat e-wallet setelah video call.",
    "subjects": [
        {
            "role": "victim",
            "name": "Wulan Sari",
            "birth_date": "2012-02-10",
            "gender": "female",
            "phone": "0813-1111-2222",
            "address": "Jl. Kenanga 3, Semarang",
            "province": "jawa_tengah",
        },
        {"role": "reporter", "name": "Rina Wati", "phone": "0857-4444-5555"},
        {
            "role": "suspect",
            "name": "Akun Mawar99",
            "accounts": [{"type": "e_wallet", "provider": "DompetKita", "identifier": "089912345678"}],
        },
    ],
    "transactions": [
        {
            "tx_id": "BUKTI-1",
            "timestamp": "2026-09-01T20:05:00+07:00",
            "amount": "300000",
            "channel": "e_wallet",
            "from_account": "081311112222",
            "to_account": "089912345678",
            "note": "denda biar video ga disebar",
        }
    ],
}


def _user(email: str) -> User:
    return get_session().scalar(select(User).where(User.email == email))


def seed_demo_cases(domain: str) -> Case:
    pjk_member, pjk_supervisor = _user(f"member@pjk.{domain}"), _user(f"supervisor@pjk.{domain}")
    analyst = _user(f"member@fiu.{domain}")
    fiu = analyst.organisation
    grooming = raise_alert(pjk_member, AlertIn.model_validate(GROOMING))
    raise_alert(pjk_member, AlertIn.model_validate(SEXTORTION))
    act_on_alert(pjk_supervisor, grooming, AlertAction(action="start_review"))
    act_on_alert(
        pjk_supervisor,
        grooming,
        AlertAction(action="escalate", to_org=fiu.id, reason="Pola fan-in, berita terkode, penerima anak"),
    )
    case = create_case(
        analyst,
        CaseIn(
            title="Grooming melalui top up game (demo)",
            alert_ids=[grooming.id],
            summary="Korban Putri Lestari; terduga Hendra Wijaya.",
        ),
    )
    police = get_session().scalar(select(Organisation).where(Organisation.kind == "police"))
    ngo = get_session().scalar(select(Organisation).where(Organisation.kind == "ngo"))
    send_referral(
        analyst,
        case,
        ReferralIn(to_org=police.id, purpose="investigation", message="Mohon penyidikan atas Hendra Wijaya."),
    )
    send_referral(
        analyst,
        case,
        ReferralIn.model_validate(
            {
                "to_org": ngo.id,
                "purpose": "victim_support",
                "message": "Pendampingan psikososial untuk Putri Lestari.",
                "consent": {
                    "given_by": "guardian",
                    "method": "formulir bertanda tangan",
                    "at": "2026-10-20T10:00:00+07:00",
                },
            }
        ),
    )
    seed_ngo_complaint(domain)
    return case


def seed_ngo_complaint(domain: str) -> None:
    """ECPAT builds a case from a complaint and refers it to the service unit, which accepts it
    and asks for more: the NGO's outbox shows a request waiting for a reply or a follow-up."""
    ngo_member = _user(f"member@ngo.{domain}")
    service_member = _user(f"member@service.{domain}")
    case = create_case(ngo_member, CaseIn.model_validate(COMPLAINT))
    referral = send_referral(
        ngo_member,
        case,
        ReferralIn.model_validate(
            {
                "to_org": service_member.organisation_id,
                "purpose": "victim_support",
                "message": "Mohon pendampingan psikologis untuk Wulan Sari; hubungi lewat telepon.",
                "consent": {
                    "given_by": "guardian",
                    "method": "persetujuan lisan lewat hotline, dicatat",
                    "at": "2026-09-02T10:00:00+07:00",
                    "contact_route": "phone",
                },
            }
        ),
    )
    act_on_referral(service_member, referral, ReferralAction(action="accept"))
    act_on_referral(
        service_member,
        referral,
        ReferralAction(action="request_info", text="Mohon alamat korban untuk kunjungan rumah."),
    )
