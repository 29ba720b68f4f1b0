"""Each alert's and case's statistics categories are kept as it is written, and a pack built
from them counts what the records say, even after a case gains people and payments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select

from coordination.alerts.operations.raise_alert import raise_alert
from coordination.alerts.schemas import AlertIn
from coordination.cases.operations.create_case import create_case
from coordination.cases.operations.record_on_case import record_on_case
from coordination.cases.schemas import CaseIn
from coordination.core.db import get_session
from coordination.statistics import build_pack
from coordination.statistics.categories import fill_missing
from coordination.statistics.models import RecordCategories, ValueSet, ValueSetMember
from coordination.subjects.schemas import SubjectIn, TransactionIn

NOW = datetime.now(UTC)


def _tx(n: int, channel: str) -> dict:
    return {"tx_id": f"T{n}", "timestamp": NOW.isoformat(), "amount": "150000", "channel": channel}


def _alert(reference: str, typologies: list[str], channels: list[str], provinces: list[str | None]) -> AlertIn:
    return AlertIn.model_validate(
        {
            "reference": reference,
            "typologies": typologies,
            "indicators": ["fan_in"] if "sextortion" in typologies else [],
            "narrative": "Payments from many senders",
            "subjects": [{"role": "account_holder", "province": p} for p in provinces],
            "transactions": [_tx(i, c) for i, c in enumerate(channels)],
        }
    )


def members(record_id, dim: str) -> set[str]:  # type: ignore[no-untyped-def]
    row = get_session().get(RecordCategories, record_id)
    assert row is not None, "no categories were kept for the record"
    set_id = getattr(row, f"{dim}_set_id")
    return set(get_session().scalars(select(ValueSetMember.value).where(ValueSetMember.set_id == set_id)))


def pack_cells(dims: tuple[str, ...]) -> dict[tuple[str, ...], tuple[object, object, object]]:
    today = NOW.date()
    pack = build_pack(None, today - timedelta(days=1), today + timedelta(days=1), dims)
    return {row.key: (row.alerts, row.cases, row.referrals) for row in pack.table.rows}


def test_raising_an_alert_keeps_its_categories(app, make_user):
    user = make_user("pjk", "member")
    alert = raise_alert(
        user, _alert("C-1", ["sextortion", "open_bo"], ["e_wallet", "pulsa", "e_wallet"], ["bali", None])
    )
    assert members(alert.id, "typology") == {"sextortion", "open_bo"}
    assert members(alert.id, "indicator") == {"fan_in"}
    assert members(alert.id, "channel") == {"e_wallet", "pulsa"}
    assert members(alert.id, "province") == {"bali", "unknown"}  # a person without a province


def test_equal_sets_are_stored_once(app, make_user):
    user = make_user("pjk", "member")
    first = raise_alert(user, _alert("C-2", ["open_bo", "sextortion"], ["pulsa"], ["bali"]))
    second = raise_alert(user, _alert("C-3", ["sextortion", "open_bo"], ["pulsa", "pulsa"], ["bali"]))
    a, b = get_session().get(RecordCategories, first.id), get_session().get(RecordCategories, second.id)
    assert (a.typology_set_id, a.channel_set_id, a.province_set_id) == (
        b.typology_set_id,
        b.channel_set_id,
        b.province_set_id,
    )
    duplicates = select(ValueSet.dim, ValueSet.digest).group_by(ValueSet.dim, ValueSet.digest).having(func.count() > 1)
    assert get_session().execute(duplicates).all() == []


def test_a_case_follows_its_alerts_and_what_is_recorded_on_it_later(app, make_user):
    bank, analyst = make_user("pjk", "member"), make_user("fiu", "member")
    alert = raise_alert(bank, _alert("C-4", ["grooming_payments"], ["bank_transfer"], ["dki_jakarta"]))
    alert.escalated_to_id, alert.status = analyst.organisation_id, "escalated"  # visible to PPATK
    case = create_case(
        analyst,
        CaseIn(
            title="Jaringan grooming",
            alert_ids=[alert.id],
            subjects=[SubjectIn(role="victim", province="papua")],
        ),
    )
    assert members(case.id, "typology") == {"grooming_payments"}
    assert members(case.id, "channel") == {"bank_transfer"}
    assert members(case.id, "province") == {"dki_jakarta", "papua"}
    assert pack_cells(("channel",))[("bank_transfer",)][1] == "<5"  # one case: hidden, but counted

    record_on_case(analyst, case, [], [TransactionIn.model_validate(_tx(9, "crypto"))])
    assert members(case.id, "channel") == {"bank_transfer", "crypto"}
    get_session().flush()
    cells = pack_cells(("channel",))
    assert ("crypto",) in cells and cells[("crypto",)][1] == "<5"


def test_records_written_without_categories_get_them_at_the_next_pack(app, make_user):
    user = make_user("pjk", "member")
    for i in range(6):
        raise_alert(user, _alert(f"C-1{i}", ["live_streaming"], ["live_gift"], ["aceh"]))
    before = pack_cells(("typology", "channel"))
    # As after a bulk import that went past the operations: the derived rows are missing.
    get_session().execute(delete(RecordCategories))
    assert pack_cells(("typology", "channel")) == before
    assert before[("live_streaming", "live_gift")][0] == 6
    assert fill_missing() == 0  # the pack filled them in
