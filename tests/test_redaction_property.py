"""Property: an NGO or PJK projection never carries an identifier its treatment withholds,
neither in its JSON nor in the HTML page that shows it.

Generated cases put names, NIKs, phone numbers, e-mails and account numbers both in fields and
inside free text (narratives, transfer notes), where only the scrubber stands in the way. People
and payments are placed in the PJK's alert, on the case itself (as an NGO records a complaint),
or split between the two.
"""

from __future__ import annotations

import json
import re
import uuid

from flask import render_template_string
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coordination.alerts.operations.raise_alert import raise_alert
from coordination.alerts.schemas import AlertIn
from coordination.cases.models import Case
from coordination.cases.operations.record_on_case import add_to_case
from coordination.core.db import get_session
from coordination.core.sealing import seal_json
from coordination.redaction import project_case_for
from coordination.subjects.schemas import PartiesIn

FIRST = ["Siti", "Budi", "Agus", "Dewi", "Rina", "Joko", "Putri", "Andi", "Wulan", "Hendra"]
LAST = ["Santoso", "Aminah", "Wijaya", "Lestari", "Saputra", "Hidayat", "Kusuma", "Pratama"]

names = st.builds(lambda a, b: f"{a} {b}", st.sampled_from(FIRST), st.sampled_from(LAST))
niks = st.from_regex(r"[1-9][0-9]{15}", fullmatch=True)
phones = st.from_regex(r"08[1-9][0-9]{8,10}", fullmatch=True)
accounts = st.from_regex(r"[1-9][0-9]{9,15}", fullmatch=True)
filler = st.text(alphabet=st.characters(categories=["L", "Nd", "Zs", "Po"]), max_size=40)
emails = st.builds(lambda a, n: f"{a.lower()}{n}@mail.example.com", st.sampled_from(FIRST), st.integers(1, 999))


@st.composite
def cases(draw):  # type: ignore[no-untyped-def]
    # Distinct values: two people sharing a number would make the test's expectations ambiguous.
    nik_a, nik_b = draw(st.lists(niks, min_size=2, max_size=2, unique=True))
    phone_a, phone_b, acc_a, acc_b = draw(
        st.lists(st.one_of(phones, accounts), min_size=4, max_size=4, unique=True).filter(
            lambda xs: len({x[-8:] for x in xs}) == 4
        )
    )
    victim = {
        "role": "victim",
        "name": draw(names),
        "nik": nik_a,
        "phone": phone_a,
        "birth_date": "2011-03-04",
        "gender": "female",
        "accounts": [{"type": "e_wallet", "identifier": acc_a}],
    }
    suspect = {
        "role": "suspect",
        "name": draw(names),
        "nik": nik_b,
        "phone": phone_b,
        "email": draw(emails),
        "accounts": [{"type": "bank", "identifier": acc_b}],
    }
    if suspect["name"] == victim["name"]:
        suspect["name"] = "Slamet Riyadi"
    sus_acc, vic_acc = suspect["accounts"][0]["identifier"], victim["accounts"][0]["identifier"]
    narrative = (
        f"{suspect['name']} ({suspect['nik']}, {suspect['phone']}, {suspect['email']}) mengirim ke "
        f"{victim['name']} rekening {vic_acc} dari {sus_acc}. {draw(filler)}"
    )
    note = f"{draw(st.sampled_from(['buat jajan ya', 'untuk shopping', 'BJ']))} {victim['name'].split()[0]} {sus_acc}"
    alert = {
        "reference": f"P-{uuid.uuid4()}",
        "typologies": ["grooming_payments"],
        "narrative": narrative,
        "subjects": [victim, suspect],
        "transactions": [
            {
                "tx_id": "T1",
                "timestamp": "2026-01-01T10:00:00+07:00",
                "amount": "10000",
                "channel": "e_wallet",
                "from_account": sus_acc,
                "to_account": vic_acc,
                "note": note,
            }
        ],
    }
    placement = draw(st.sampled_from(["alert", "case", "split"]))
    return alert, victim, suspect, placement


def _build(make_user, alert, placement):  # type: ignore[no-untyped-def]
    """The case, with its people in the alert, on the case, or the victim on the case only."""
    alert = dict(alert)
    on_case = {"subjects": [], "transactions": []}
    if placement == "case":
        on_case = {"subjects": alert.pop("subjects"), "transactions": alert.pop("transactions")}
    elif placement == "split":
        on_case["subjects"] = [alert["subjects"][0]]
        alert["subjects"] = alert["subjects"][1:]
    made = raise_alert(make_user("pjk", "member"), AlertIn.model_validate(alert))
    case = Case(id=uuid.uuid4(), organisation_id=made.organisation_id)
    case.title_sealed = seal_json("Kasus", f"case:{case.id}:title")
    case.summary_sealed = seal_json(alert["narrative"], f"case:{case.id}:summary")
    case.alerts = [made]
    get_session().add(case)
    parties = PartiesIn.model_validate(on_case)
    add_to_case(case, parties.subjects, parties.transactions)
    return case


def _shown(app, projection) -> str:  # type: ignore[no-untyped-def]
    """The projection as JSON and as the recipient's page renders it."""
    with app.test_request_context("/"):
        html = render_template_string('{% include "referrals/_projection.html" %}', projected=projection.case)
    assert "<table>" in html  # the page does show people or payments
    return json.dumps(projection.case, default=str) + "\n" + html


def _contains(text: str, value: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(value)}(?!\w)", text, re.IGNORECASE) is not None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(generated=cases())
def test_ngo_victim_support_never_sees_suspect_or_financial_identifiers(app, make_user, make_org, generated):
    alert, victim, suspect, placement = generated
    projection = project_case_for(make_org("ngo"), "victim_support", _build(make_user, alert, placement))
    text = _shown(app, projection)
    withheld = [
        suspect["name"],
        suspect["nik"],
        suspect["phone"],
        suspect["email"],
        victim["nik"],
        suspect["accounts"][0]["identifier"],
        victim["accounts"][0]["identifier"],
    ]
    withheld += [part for part in suspect["name"].split() if part not in victim["name"].split()]
    for value in withheld:
        assert not _contains(text, value), value


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(generated=cases())
def test_pjk_information_sees_no_identifier_at_all(app, make_user, make_org, generated):
    alert, victim, suspect, placement = generated
    projection = project_case_for(make_org("pjk"), "information", _build(make_user, alert, placement))
    text = _shown(app, projection)
    for person in (victim, suspect):
        for value in (
            person["name"],
            person["nik"],
            person["phone"],
            person.get("email"),
            person["accounts"][0]["identifier"],
            *person["name"].split(),
        ):
            if value:
                assert not _contains(text, value), value
