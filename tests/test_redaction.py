"""The projection of one realistic case for every (kind, purpose) pair the policy allows.

Expectations are computed from the policy's rules independently of the projector (full: the
source value; withheld: absent and counted; pseudonym: a stable code; masked: last 4), plus
hand-written checks of the choices that matter most.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest

from coordination.accounts.models import Organisation
from coordination.alerts.operations.raise_alert import raise_alert
from coordination.alerts.schemas import AlertIn
from coordination.cases.models import Case
from coordination.core.db import get_session
from coordination.core.permissions import ORG_KINDS
from coordination.core.sealing import seal_json
from coordination.policy.redaction import load_redaction_policy
from coordination.redaction import project_case_for

POLICY = load_redaction_policy(
    Path(__file__).resolve().parent.parent / "policies" / "redaction.yaml", known_kinds=ORG_KINDS
)
PAIRS = sorted(POLICY.treatments)

# Typology 5 of DOMAIN.md: grooming with regular "gift" transfers and innocuous notes,
# escalating into paid live streaming.
CASE_ALERT = {
    "reference": "STR-GOLD-1",
    "typologies": ["grooming_payments", "live_streaming"],
    "indicators": ["fan_in", "coded_note", "minor_receiver"],
    "narrative": "Siti Aminah (NIK 3174015506100003) menerima transfer dari Budi Santoso, "
    "telp 0812-9999-8888, email budi.s@example.com, ke rekening 1234567890.",
    "subjects": [
        {
            "role": "victim",
            "name": "Siti Aminah",
            "nik": "3174015506100003",
            "birth_date": "2011-06-15",
            "gender": "female",
            "phone": "081234567890",
            "email": "siti@example.id",
            "address": "Jl. Melati 5",
            "province": "dki_jakarta",
            "accounts": [{"type": "e_wallet", "provider": "DompetKita", "identifier": "081234567890"}],
        },
        {
            "role": "suspect",
            "name": "Budi Santoso",
            "nik": "3275010101800001",
            "phone": "081299998888",
            "email": "budi.s@example.com",
            "gender": "male",
            "province": "jawa_barat",
            "accounts": [{"type": "bank", "provider": "Bank Nusantara", "identifier": "1234567890"}],
        },
    ],
    "transactions": [
        {
            "tx_id": "TX-1",
            "timestamp": "2026-05-01T21:14:00+07:00",
            "amount": "153500",
            "channel": "e_wallet",
            "from_account": "1234567890",
            "to_account": "081234567890",
            "note": "buat jajan ya Siti",
        },
    ],
}
IDENTIFIERS = {
    "identity": ["Siti Aminah", "3174015506100003", "2011-06-15"],
    "contact": ["siti@example.id", "Jl. Melati 5"],
    "suspect_identity": ["Budi Santoso", "3275010101800001", "081299998888", "budi.s@example.com"],
    "financial_identifier": ["1234567890", "081234567890"],
}


@pytest.fixture
def case(app, make_user):  # type: ignore[no-untyped-def]
    bank_user = make_user("pjk", "member")
    alert = raise_alert(bank_user, AlertIn.model_validate(CASE_ALERT))
    built = Case(id=uuid.uuid4(), organisation_id=make_user("fiu", "member").organisation_id)
    built.title_sealed = seal_json("Grooming Siti Aminah", f"case:{built.id}:title")
    built.summary_sealed = seal_json("Korban Siti Aminah, terduga Budi Santoso.", f"case:{built.id}:summary")
    built.alerts = [alert]
    get_session().add(built)
    get_session().flush()
    return built


def recipient(make_org, kind: str) -> Organisation:  # type: ignore[no-untyped-def]
    return make_org(kind)


def expect(kind: str, purpose: str, field: str, role: str | None = None) -> str:
    return POLICY.treatment(kind, purpose, POLICY.class_of(field, role))


@pytest.mark.parametrize(("kind", "purpose"), PAIRS)
def test_every_pair_follows_its_treatments(case, make_org, kind, purpose):
    org = recipient(make_org, kind)
    projection = project_case_for(org, purpose, case)
    assert projection.policy_version == POLICY.version
    alert = projection.case["alerts"][0]
    victim, suspect = alert["subjects"]
    checks = [
        (victim, "nik", "subject.nik", "victim", "3174015506100003"),
        (victim, "phone", "subject.phone", "victim", "081234567890"),
        (suspect, "name", "subject.name", "suspect", "Budi Santoso"),
        (suspect, "nik", "subject.nik", "suspect", "3275010101800001"),
        (
            victim["accounts"][0] if victim["accounts"] else {},
            "identifier",
            "account.identifier",
            "victim",
            "081234567890",
        ),
        (alert["transactions"][0], "to_account", "transaction.to_account", None, "081234567890"),
        (alert["transactions"][0], "amount", "transaction.amount", None, "153500.00"),
    ]
    for out, key, field, role, source in checks:
        treatment = expect(kind, purpose, field, role)
        if field == "account.identifier" and not victim["accounts"]:
            assert treatment == "withheld" or expect(kind, purpose, "account.type", role) == "withheld"
            continue
        if treatment == "full":
            assert out[key] == source, (field, treatment)
        elif treatment in ("withheld", "consented") or (
            treatment == "derived" and key in ("nik", "phone", "to_account", "identifier")
        ):  # no contact route is named in this projection, so "consented" sends nothing
            assert key not in out, (field, treatment)
        elif treatment == "pseudonym":
            assert re.fullmatch(r"[A-Z]+-[0-9A-F]{6}", str(out[key])), (field, out[key])
        elif treatment == "masked" and key != "amount":
            assert out[key] == "****" + str(source)[-4:]
        else:
            assert treatment in ("masked", "derived"), (field, treatment)  # amounts: coarser, checked below
    serialised = json.dumps(projection.case, default=str)
    # The victim's e-wallet id is also her phone number: sent as contact, it is not a leak of the
    # financial identifier. Values of classes the pair receives in full are exempt.
    shared = {
        v for cls, values in IDENTIFIERS.items() if POLICY.treatment(kind, purpose, cls) == "full" for v in values
    } | ({"081234567890"} if expect(kind, purpose, "subject.phone", "victim") == "full" else set())
    for cls, values in IDENTIFIERS.items():
        treatment = POLICY.treatment(kind, purpose, cls)
        if treatment != "full":
            for value in set(values) - shared:  # as a whole token: 1234567890 is also the tail of a phone number
                assert not re.search(rf"(?<![\w]){re.escape(value)}(?![\w])", serialised), (cls, treatment, value)
    assert all(n > 0 for n in projection.withheld.values())


def test_police_investigation_sees_everything(case, make_org):
    projection = project_case_for(make_org("police"), "investigation", case)
    assert projection.withheld == {}
    assert projection.case["alerts"][0]["narrative"] == CASE_ALERT["narrative"]
    assert projection.case["title"] == "Grooming Siti Aminah"


def test_ngo_victim_support_gets_the_victim_route_but_nothing_financial_or_about_the_suspect(case, make_org):
    projection = project_case_for(make_org("ngo"), "victim_support", case, contact_route="phone")
    alert = projection.case["alerts"][0]
    victim, suspect = alert["subjects"]
    assert victim["name"] == "Korban-1" and victim["age_band"] in ("13-15", "16-17")
    # Only the contact route agreed in the consent: the phone, not the e-mail or the address.
    assert victim["phone"] == "081234567890" and "email" not in victim and "address" not in victim
    assert "nik" not in victim and "birth_date" not in victim
    assert set(suspect) == {"label", "role", "accounts"} and suspect["accounts"] == []
    assert all("to_account" not in tx and "amount" not in tx for tx in alert["transactions"])
    narrative = alert["narrative"]
    assert "Korban-1" in narrative and "Terduga-1" in narrative and "[NIK]" in narrative
    assert projection.withheld["suspect_identity"] >= 4 and projection.withheld["financial_identifier"] >= 2


def test_pjk_information_gets_pseudonyms_stable_per_recipient(case, make_org):
    first, second = make_org("pjk"), make_org("pjk")
    a1 = project_case_for(first, "information", case).case["alerts"][0]
    a2 = project_case_for(first, "information", case).case["alerts"][0]
    b = project_case_for(second, "information", case).case["alerts"][0]
    code = a1["transactions"][0]["to_account"]
    assert code.startswith("ACC-") and code == a2["transactions"][0]["to_account"]
    assert b["transactions"][0]["to_account"] != code  # another PJK cannot link with this one
    # The same account written in the subject list and in the transaction gets one code.
    assert a1["subjects"][0]["accounts"][0]["identifier"] == code


def test_the_raising_pjk_sees_its_own_customers_identifiers(case, make_org):
    own = case.alerts[0].organisation
    alert = project_case_for(own, "information", case).case["alerts"][0]
    assert alert["transactions"][0]["to_account"] == "081234567890"


def test_regulator_and_operator_cannot_receive_referrals():
    for kind in ("regulator", "operator"):
        assert not any(k == kind for k, _ in POLICY.treatments)


def test_every_field_the_projector_emits_has_a_class():
    from coordination.policy.redaction import FIELDS

    assert set(POLICY.fields) == FIELDS


def test_every_column_of_case_data_is_classified_or_internal():
    import coordination.models  # noqa: F401
    from coordination.core.db import Base
    from coordination.policy.redaction import FIELDS
    from coordination.redaction.fields import CASE_DATA_COLUMNS, CASE_DATA_TABLES, INTERNAL

    # Accounts and audit tables hold no case data; any other new table must be classified here.
    not_case_data = {
        "organisations",
        "users",
        "user_sessions",
        "api_tokens",
        "recovery_codes",
        "invitations",
        "audit_events",
        "audit_nodes",
        "audit_tree_head",
        "audit_checkpoints",
        "audit_witness_signatures",
        "identifier_digests",
    }
    assert {t.name for t in Base.metadata.sorted_tables} - not_case_data == set(CASE_DATA_TABLES)
    columns = {
        f"{t.name}.{c.name}" for t in Base.metadata.sorted_tables if t.name in CASE_DATA_TABLES for c in t.columns
    }
    assert columns == set(CASE_DATA_COLUMNS), columns ^ set(CASE_DATA_COLUMNS)
    projected = {f for fields in CASE_DATA_COLUMNS.values() if fields != INTERNAL for f in fields}
    assert projected == FIELDS
    for field in projected:
        assert POLICY.class_of(field, "victim") and POLICY.class_of(field, "suspect"), field
