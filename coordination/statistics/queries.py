"""The aggregation queries of the statistics pack, all GROUP BY in SQL: no row leaves the database.

    count_records(session, kind, dims, org_ids, start, end) -> dict[key, int]
    amount_stats(session, dims, org_ids, start, end) -> dict[key, AmountStats]
    referral_outcomes(session, org_ids, start, end) -> dict[key, OutcomeCounts]

A key is the tuple of the row's dimension values, in the order of `dims`.

What a record's dimensions are (docs/statistics.md):
- alert: its typologies and indicators (JSON lists), the provinces of its people, the channels of
  its payments, the quarter it was raised in, the kind of the organisation that raised it;
- case: typologies and indicators of the alerts it collects, provinces and channels of its own
  people and payments and of its alerts', the quarter it was opened, its owner's kind;
- referral: its case's dimensions, the quarter it was sent, the recipient's kind.
A record with several values of a dimension counts once in each of them, so cells are distinct
counts and need not add up to a total. Amounts are the payments recorded on the alerts and cases
of the cell, each payment once (a payment belongs to one alert or one case).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    and_,
    case,
    distinct,
    false,
    func,
    or_,
    select,
    true,
    union,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from coordination.accounts.models import Organisation
from coordination.alerts.models import Alert
from coordination.audit.models import AuditEvent
from coordination.cases.models import Case, case_alerts
from coordination.referrals.access import OPEN_TO_RECIPIENT
from coordination.referrals.models import Referral
from coordination.statistics.dimensions import UNKNOWN, Dialect, period_bounds
from coordination.subjects.models import Subject, Transaction

Key = tuple[str, ...]
RECORD_KINDS = ("alerts", "cases", "referrals")
# The recipient's first answer: accepting, declining or asking for more (docs/statistics.md).
FIRST_RESPONSES = ("referral.accept", "referral.decline", "referral.request_info")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class AmountStats:
    payments: int
    total: Decimal
    median: Decimal


@dataclass(frozen=True)
class OutcomeCounts:
    referrals: int
    accepted: int
    declined: int
    responded: int
    median_hours: float | None


def _ids(org_ids: Collection[int] | None) -> list[int] | None:
    return None if org_ids is None else sorted(set(org_ids))


def alert_scope(org_ids: list[int] | None) -> ColumnElement[bool]:
    """Alerts the organisations raised, or that were escalated to them (as alert visibility)."""
    if org_ids is None:
        return true()
    if not org_ids:
        return false()
    return or_(
        Alert.organisation_id.in_(org_ids), and_(Alert.escalated_to_id.in_(org_ids), Alert.status == "escalated")
    )


def case_scope(org_ids: list[int] | None) -> ColumnElement[bool]:
    if org_ids is None:
        return true()
    return Case.organisation_id.in_(org_ids) if org_ids else false()


def referral_scope(org_ids: list[int] | None) -> ColumnElement[bool]:
    """Referrals sent by the organisations, or received and still open to them (as referral visibility)."""
    if org_ids is None:
        return true()
    if not org_ids:
        return false()
    return or_(
        Referral.from_org_id.in_(org_ids),
        and_(Referral.to_org_id.in_(org_ids), Referral.status.in_(OPEN_TO_RECIPIENT)),
    )


def _case_relation(dialect: Dialect, dim: str) -> FromClause:
    """(key = case id, value) for a case's typologies, indicators, provinces or channels."""
    linked = aliased(Alert)
    if dim in ("typology", "indicator"):
        values = dialect.json_values(linked.typologies if dim == "typology" else linked.indicators, f"cv_{dim}")
        return (
            select(case_alerts.c.case_id.label("key"), values.c.value.label("value"))
            .select_from(case_alerts.join(linked, linked.id == case_alerts.c.alert_id).join(values, true()))
            .subquery(f"case_{dim}")
        )
    model, column = (Subject, Subject.province) if dim == "province" else (Transaction, Transaction.channel)
    own = select(model.case_id.label("key"), column.label("value")).where(model.case_id.is_not(None))
    via_alerts = select(case_alerts.c.case_id.label("key"), column.label("value")).select_from(
        case_alerts.join(model, model.alert_id == case_alerts.c.alert_id)
    )
    return union(own, via_alerts).subquery(f"case_{dim}")


def grain(
    dialect: Dialect, kind: str, dims: Sequence[str], org_ids: list[int] | None, start: date, end: date
) -> Select:
    """One row per (record, combination of its dimension values): `rid` and one column per dim."""
    lo, hi = period_bounds(start, end)
    model = {"alerts": Alert, "cases": Case, "referrals": Referral}[kind]
    scope = {"alerts": alert_scope, "cases": case_scope, "referrals": referral_scope}[kind](org_ids)
    frm: FromClause = model.__table__
    columns: list[ColumnElement] = [model.id.label("rid")]
    case_key = Case.id if kind == "cases" else Referral.case_id
    for dim in dims:
        if dim == "quarter":
            value = dialect.quarter(model.created_at)
        elif dim == "org_kind":
            org = aliased(Organisation)
            owner = Referral.to_org_id if kind == "referrals" else model.organisation_id
            frm = frm.join(org, org.id == owner)
            value = org.kind
        elif kind == "alerts" and dim in ("typology", "indicator"):
            values = dialect.json_values(Alert.typologies if dim == "typology" else Alert.indicators, f"v_{dim}")
            frm = frm.outerjoin(values, true())
            value = values.c.value
        elif kind == "alerts":
            target = aliased(Subject) if dim == "province" else aliased(Transaction)
            frm = frm.outerjoin(target, target.alert_id == Alert.id)
            value = target.province if dim == "province" else target.channel
        else:
            relation = _case_relation(dialect, dim)
            frm = frm.outerjoin(relation, relation.c.key == case_key)
            value = relation.c.value
        columns.append(func.coalesce(value, UNKNOWN).label(dim))
    return select(*columns).select_from(frm).where(scope, model.created_at >= lo, model.created_at < hi).distinct()


def count_records(
    session: Session, kind: str, dims: Sequence[str], org_ids: Collection[int] | None, start: date, end: date
) -> dict[Key, int]:
    dialect = Dialect(session.get_bind().dialect.name)
    g = grain(dialect, kind, dims, _ids(org_ids), start, end).subquery("g")
    group = [g.c[d] for d in dims]
    rows = session.execute(select(*group, func.count(distinct(g.c.rid))).group_by(*group))
    return {tuple(row[:-1]): int(row[-1]) for row in rows}


def _payments(dialect: Dialect, kind: str, dims: Sequence[str], org_ids: list[int] | None, s: date, e: date) -> Select:
    """(dims..., amount) of every payment recorded on a record of the period and scope."""
    record_dims = [d for d in dims if d != "channel"]
    g = grain(dialect, kind, record_dims, org_ids, s, e).subquery(f"g_{kind}")
    owner = Transaction.alert_id if kind == "alerts" else Transaction.case_id
    columns = [Transaction.channel.label(d) if d == "channel" else g.c[d] for d in dims]
    return select(*columns, Transaction.amount.label("amount")).select_from(g.join(Transaction, owner == g.c.rid))


def amount_stats(
    session: Session, dims: Sequence[str], org_ids: Collection[int] | None, start: date, end: date
) -> dict[Key, AmountStats]:
    """Count, sum and median of payment amounts per cell, the median by ranking in a window
    (PostgreSQL's percentile_cont has no SQLite counterpart): the middle row, or the mean of
    the two middle rows."""
    dialect = Dialect(session.get_bind().dialect.name)
    ids = _ids(org_ids)
    facts = union_all(*(_payments(dialect, k, dims, ids, start, end) for k in ("alerts", "cases"))).subquery("f")
    part = [facts.c[d] for d in dims] or None
    ranked = select(
        *(facts.c[d] for d in dims),
        facts.c.amount,
        func.row_number().over(partition_by=part, order_by=facts.c.amount).label("rn"),
        func.count().over(partition_by=part).label("n"),
        func.sum(facts.c.amount).over(partition_by=part).label("total"),
    ).subquery("w")
    group = [ranked.c[d] for d in dims]
    middle = or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2)
    query = (
        select(*group, func.max(ranked.c.n), func.max(ranked.c.total), func.avg(ranked.c.amount))
        .where(middle)
        .group_by(*group)
    )
    found: dict[Key, AmountStats] = {}
    for row in session.execute(query):
        n, total, median = row[-3:]
        if n is None:  # no payments at all: the aggregate over nothing is one row of NULLs
            continue
        # SQLite sums NUMERIC as floating point: rounding to the cent makes both backends agree.
        found[tuple(row[:-3])] = AmountStats(
            int(n), Decimal(str(total)).quantize(CENT), Decimal(str(median)).quantize(CENT)
        )
    return found


def referral_outcomes(
    session: Session, org_ids: Collection[int] | None, start: date, end: date
) -> dict[Key, OutcomeCounts]:
    """Per recipient kind: referrals sent, accepted, declined, answered, and the median hours from
    sending to the recipient's first answer, read from the audit trail (the acts' own record)."""
    dialect = Dialect(session.get_bind().dialect.name)
    lo, hi = period_bounds(start, end)
    first = (
        select(
            AuditEvent.object_id.label("oid"),
            func.min(AuditEvent.occurred_at).label("first_at"),
            func.max(case((AuditEvent.action == "referral.accept", 1), else_=0)).label("accepted"),
            func.max(case((AuditEvent.action == "referral.decline", 1), else_=0)).label("declined"),
        )
        .where(AuditEvent.object_type == "referral", AuditEvent.action.in_(FIRST_RESPONSES))
        .group_by(AuditEvent.object_id)
        .subquery("fr")
    )
    recipient = aliased(Organisation)
    hours = dialect.hours_between(first.c.first_at, Referral.created_at)
    base = (
        select(
            recipient.kind.label("org_kind"),
            func.coalesce(first.c.accepted, 0).label("accepted"),
            func.coalesce(first.c.declined, 0).label("declined"),
            hours.label("hours"),
        )
        .select_from(
            Referral.__table__.join(recipient, recipient.id == Referral.to_org_id).outerjoin(
                first, dialect.uuid_matches_text(Referral.id, first.c.oid)
            )
        )
        .where(referral_scope(_ids(org_ids)), Referral.created_at >= lo, Referral.created_at < hi)
        .subquery("b")
    )
    counts = session.execute(
        select(
            base.c.org_kind,
            func.count(),
            func.sum(base.c.accepted),
            func.sum(base.c.declined),
            func.count(base.c.hours),
        ).group_by(base.c.org_kind)
    ).all()
    answered = (
        select(
            base.c.org_kind,
            base.c.hours,
            func.row_number().over(partition_by=base.c.org_kind, order_by=base.c.hours).label("rn"),
            func.count().over(partition_by=base.c.org_kind).label("n"),
        )
        .where(base.c.hours.is_not(None))
        .subquery("a")
    )
    medians = dict(
        session.execute(
            select(answered.c.org_kind, func.avg(answered.c.hours))
            .where(or_(answered.c.rn == (answered.c.n + 1) // 2, answered.c.rn == (answered.c.n + 2) // 2))
            .group_by(answered.c.org_kind)
        ).all()
    )
    return {
        (kind,): OutcomeCounts(
            int(n), int(acc or 0), int(dec or 0), int(resp), None if medians.get(kind) is None else float(medians[kind])
        )
        for kind, n, acc, dec, resp in counts
    }
