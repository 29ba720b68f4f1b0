"""Keeping each alert's and case's categories for the statistics pack, as records are written.

    record_new_alert(alert)       # as an alert is raised (from the objects in hand)
    record_categories(kind, ids)  # after a case gains alerts, people or payments; or to recompute
    fill_missing() -> int         # records written without it (bulk loads, older data): before a pack

What a record's categories are (docs/statistics.md, "What is counted"):
- an alert: its typologies and indicators, the channels of its payments, the provinces of its people;
- a case: the typologies and indicators of its alerts, the channels and provinces of its own
  payments and people and of its alerts';
- a referral: its case's (read through the case; nothing is stored per referral).
A payment without a channel or a person without a province counts as "unknown"; a record with
no payments (or no people) has the empty set, which the pack also shows as "unknown".

Only category codes are read here, never a sealed field.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from coordination.alerts.models import Alert
from coordination.cases.models import Case, case_alerts
from coordination.core.db import get_session
from coordination.statistics.dimensions import UNKNOWN
from coordination.statistics.models import RecordCategories, ValueSet, ValueSetMember
from coordination.statistics.models.categories import DIMENSIONS
from coordination.subjects.models import Subject, Transaction

CHUNK = 2000  # ids per statement: well under SQLite's and psycopg's parameter limits
Sets = dict[str, set[str]]  # dimension -> values


def _empty() -> Sets:
    return {dim: set() for dim in DIMENSIONS}


def _add(found: dict[uuid.UUID, Sets], rows: Iterable[tuple[uuid.UUID, str | None]], dim: str) -> None:
    for record_id, value in rows:
        found[record_id][dim].add(value or UNKNOWN)


def _add_lists(found: dict[uuid.UUID, Sets], rows: Iterable[tuple[uuid.UUID, list | None, list | None]]) -> None:
    for record_id, typologies, indicators in rows:
        found[record_id]["typology"].update(v or UNKNOWN for v in typologies or ())
        found[record_id]["indicator"].update(v or UNKNOWN for v in indicators or ())


def derive(session: Session, kind: str, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Sets]:
    """The categories of the given alerts or cases, from their rows (category columns only)."""
    found: dict[uuid.UUID, Sets] = defaultdict(_empty)
    if kind == "alert":
        # Every alert gets a row (defaultdict), even one with no people and no payments.
        _add_lists(
            found, session.execute(select(Alert.id, Alert.typologies, Alert.indicators).where(Alert.id.in_(ids)))
        )
        _add(
            found,
            session.execute(select(Transaction.alert_id, Transaction.channel).where(Transaction.alert_id.in_(ids))),
            "channel",
        )
        _add(
            found,
            session.execute(select(Subject.alert_id, Subject.province).where(Subject.alert_id.in_(ids))),
            "province",
        )
        return found
    # Every case gets a row, even one with no alerts, people or payments yet.
    for case_id in session.scalars(select(Case.id).where(Case.id.in_(ids))):
        found[case_id]
    linked = case_alerts.c.case_id.in_(ids)
    _add_lists(
        found,
        session.execute(
            select(case_alerts.c.case_id, Alert.typologies, Alert.indicators)
            .join(Alert, Alert.id == case_alerts.c.alert_id)
            .where(linked)
        ),
    )
    for target, column, dim in ((Transaction, Transaction.channel, "channel"), (Subject, Subject.province, "province")):
        _add(found, session.execute(select(target.case_id, column).where(target.case_id.in_(ids))), dim)
        _add(
            found,
            session.execute(
                select(case_alerts.c.case_id, column)
                .join(target, target.alert_id == case_alerts.c.alert_id)
                .where(linked)
            ),
            dim,
        )
    return found


def digest_of(values: Iterable[str]) -> str:
    return hashlib.sha256("\x1f".join(sorted(values)).encode()).hexdigest()


def _insert_ignoring_duplicates(session: Session, model: type, key: list[str]):  # type: ignore[no-untyped-def]
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return module.insert(model).on_conflict_do_nothing(index_elements=key)


def _known(session: Session, keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    ids: dict[tuple[str, str], int] = {}
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        rows = session.execute(
            select(ValueSet.dim, ValueSet.digest, ValueSet.id).where(ValueSet.digest.in_({d for _, d in chunk}))
        )
        ids.update({(dim, digest): set_id for dim, digest, set_id in rows})
    return {key: ids[key] for key in keys if key in ids}


def _set_ids(session: Session, wanted: dict[tuple[str, str], frozenset[str]]) -> dict[tuple[str, str], int]:
    """Ids of the value sets, created where new. Inserts ignore duplicates, so two writers
    creating the same set at once both end up with the one row (PostgreSQL makes the second wait
    for the first to commit)."""
    ids = _known(session, list(wanted))
    new = [key for key in wanted if key not in ids]
    if new:
        session.execute(
            _insert_ignoring_duplicates(session, ValueSet, ["digest", "dim"]),
            [{"dim": dim, "digest": digest} for dim, digest in new],
        )
        ids |= _known(session, new)
        members = [{"set_id": ids[key], "value": value} for key in new for value in sorted(wanted[key])]
        if members:
            session.execute(_insert_ignoring_duplicates(session, ValueSetMember, ["set_id", "value"]), members)
    return ids


def _store(session: Session, kind: str, found: dict[uuid.UUID, Sets], *, fresh: bool = False) -> None:
    """Write the records' rows (replacing any, unless the records are `fresh`: just created)."""
    wanted = {(dim, digest_of(values)): frozenset(values) for sets in found.values() for dim, values in sets.items()}
    set_ids = _set_ids(session, wanted)
    if not fresh:
        session.execute(delete(RecordCategories).where(RecordCategories.record_id.in_(list(found))))
    if found:
        session.execute(
            insert(RecordCategories),
            [
                {
                    "record_id": record_id,
                    "kind": kind,
                    **{f"{dim}_set_id": set_ids[(dim, digest_of(sets[dim]))] for dim in DIMENSIONS},
                }
                for record_id, sets in found.items()
            ],
        )


def record_categories(kind: str, ids: Sequence[uuid.UUID], session: Session | None = None) -> None:
    """(Re)compute and store the categories of these alerts (kind "alert") or cases ("case")."""
    if kind not in ("alert", "case"):
        raise ValueError(f"kind must be 'alert' or 'case', not {kind!r}")
    session = session or get_session()
    session.flush()
    for start in range(0, len(ids), CHUNK):
        _store(session, kind, derive(session, kind, list(ids[start : start + CHUNK])))


def record_new_alert(alert: Alert) -> None:
    """The categories of an alert being raised, from the objects in hand (its people and payments
    do not change afterwards): two statements instead of re-reading what was just written."""
    sets = _empty()
    _add_lists({alert.id: sets}, [(alert.id, alert.typologies, alert.indicators)])
    sets["channel"].update(tx.channel or UNKNOWN for tx in alert.transactions)
    sets["province"].update(subject.province or UNKNOWN for subject in alert.subjects)
    _store(get_session(), "alert", {alert.id: sets}, fresh=True)


def fill_missing(session: Session | None = None) -> int:
    """Store the categories of every alert and case that has none; returns how many."""
    session = session or get_session()
    filled = 0
    for kind, model in (("alert", Alert), ("case", Case)):
        missing = list(
            session.scalars(
                select(model.id)
                .outerjoin(RecordCategories, RecordCategories.record_id == model.id)
                .where(RecordCategories.record_id.is_(None))
            )
        )
        record_categories(kind, missing, session)
        filled += len(missing)
    return filled
