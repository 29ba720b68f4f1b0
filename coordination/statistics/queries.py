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
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    Column,
    ColumnElement,
    CompoundSelect,
    FromClause,
    Index,
    Integer,
    MetaData,
    Numeric,
    Select,
    String,
    Table,
    Text,
    Uuid,
    and_,
    case,
    false,
    func,
    literal,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.exc import DBAPIError
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


# Per-pack facts, materialised once into TEMPORARY tables (private to the connection, dropped
# when the pack is built; on PostgreSQL also at commit): every GROUP BY of the pack's tables reads
# them instead of re-deriving each record's categories from the base tables.
#
# A record's *profile* is its kind, quarter, organisation kind and the sets of its multi-valued
# categories (each a JSON list: typologies, indicators, channels, provinces). Records with the same
# profile fall in the same cells, so counts are sums of profile weights rather than counts over
# every record (alerts compress well; cases and referrals, with several alerts each, much less);
# payments keep their amounts (medians need them) and point to their record's profile.
MULTI_VALUED = ("typology", "indicator", "channel", "province")
SORT_MEMORY = "64MB"  # PostgreSQL work_mem while a pack is built
_temp = MetaData()
_TEMPORARY = {"prefixes": ["TEMPORARY"], "postgresql_on_commit": "DROP"}


def _profile_columns() -> list[Column]:
    return [
        Column("kind", String(10), nullable=False),
        Column("quarter", String(8), nullable=False),
        Column("org_kind", Text, nullable=False),
        *(Column(dim, Text, nullable=False) for dim in MULTI_VALUED),  # JSON lists; '' when not needed
    ]


FACT_RECORDS = Table(
    "stats_fact_records", _temp, Column("rid", Uuid, nullable=False), *_profile_columns(), **_TEMPORARY
)
# The lists of the cases the pack's cases and referrals are about (a referral has its case's).
FACT_CASES = Table(
    "stats_fact_cases",
    _temp,
    Column("case_id", Uuid, primary_key=True),
    *(Column(dim, Text, nullable=False) for dim in MULTI_VALUED),
    **_TEMPORARY,
)
FACT_PROFILES = Table(
    "stats_fact_profiles",
    _temp,
    Column("pid", Integer, nullable=False),
    *_profile_columns(),
    Column("weight", Integer, nullable=False),  # records with this profile
    Index("ix_stats_fact_profiles", "kind", "quarter", "org_kind", *MULTI_VALUED),
    **_TEMPORARY,
)
# The distinct values of each profile's lists ('unknown' for a null element).
FACT_VALUES = Table(
    "stats_fact_values",
    _temp,
    Column("pid", Integer, nullable=False),
    Column("dim", String(10), nullable=False),
    Column("value", Text, nullable=False),
    Index("ix_stats_fact_values", "pid", "dim", "value"),
    **_TEMPORARY,
)
# Every payment recorded on an alert or a case of the pack, with its record's profile.
FACT_PAYMENTS = Table(
    "stats_fact_payments",
    _temp,
    Column("pid", Integer, nullable=False),
    Column("channel", String(20)),
    Column("amount", Numeric(18, 2)),
    **_TEMPORARY,
)
FACT_TABLES = (FACT_RECORDS, FACT_CASES, FACT_PROFILES, FACT_VALUES, FACT_PAYMENTS)


class PackFacts:
    """The records of one pack (scope and period) and their categories, in temporary tables.

        with PackFacts(session, org_ids, start, end, dims) as facts:
            facts.counts(("typology", "channel"))  # {"alerts": {key: n}, "cases": {...}, "referrals": {...}}
            facts.amounts(("typology",))           # {key: AmountStats}

    `dims`: every dimension any table of the pack will use. The figures are GROUP BYs over the
    temporary tables; no record leaves the database.
    """

    def __init__(
        self, session: Session, org_ids: Collection[int] | None, start: date, end: date, dims: Collection[str]
    ) -> None:
        self.session = session
        self.dialect = Dialect(session.get_bind().dialect.name)
        self.org_ids = _ids(org_ids)
        self.start, self.end = start, end
        self.multi = [d for d in MULTI_VALUED if d in dims]
        self.work_mem: str | None = None

    def __enter__(self) -> PackFacts:
        self._drop()
        try:
            self._build()
        except BaseException:
            self._drop_quietly()
            raise
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None:
            self._drop()
            if self.work_mem is not None:
                self.session.execute(text("SELECT set_config('work_mem', :v, true)"), {"v": self.work_mem})
        else:
            self._drop_quietly()

    def _drop(self) -> None:
        conn = self.session.connection()
        for table in reversed(FACT_TABLES):
            table.drop(conn, checkfirst=True)

    def _drop_quietly(self) -> None:
        """After an error. On PostgreSQL the failed transaction's rollback removes the tables
        (DDL is transactional) and a DROP now would only fail again."""
        with suppress(DBAPIError):
            self._drop()

    def _insert(self, table: Table, rows: Select | CompoundSelect) -> None:
        self.session.execute(table.insert().from_select([c.name for c in rows.selected_columns], rows))

    def _alert_lists(self) -> list[ColumnElement]:
        """An alert's multi-valued categories (over Alert), each a JSON list; '' for a dimension not
        needed. Its payments' channels and people's provinces by a correlated subquery on the
        indexed alert_id."""
        d = self.dialect
        lists: list[ColumnElement] = []
        for dim in MULTI_VALUED:
            if dim not in self.multi:
                lists.append(literal("").label(dim))
            elif dim in ("typology", "indicator"):
                lists.append(d.json_as_text(Alert.typologies if dim == "typology" else Alert.indicators).label(dim))
            else:
                target, column = (
                    (Subject, Subject.province) if dim == "province" else (Transaction, Transaction.channel)
                )
                found = select(d.json_list(func.coalesce(column, UNKNOWN))).where(target.alert_id == Alert.id)
                lists.append(func.coalesce(found.scalar_subquery(), "[]").label(dim))
        return lists

    def _case_lists(self, cases: CompoundSelect) -> Select:
        """(case_id, lists...) of the cases: the typologies and indicators of their alerts, the
        provinces and channels of their own people and payments and of their alerts'. One GROUP BY
        per dimension over all the cases at once (hash joins at scale, whatever the statistics)."""
        d = self.dialect
        frm: FromClause = Case.__table__
        lists: list[ColumnElement] = []
        for dim in MULTI_VALUED:
            if dim not in self.multi:
                lists.append(literal("").label(dim))
                continue
            if dim in ("typology", "indicator"):
                linked = aliased(Alert)
                each = d.json_values(linked.typologies if dim == "typology" else linked.indicators, f"e_{dim}")
                rows = (
                    select(case_alerts.c.case_id.label("k"), each.c.value.label("v"))
                    .select_from(case_alerts.join(linked, linked.id == case_alerts.c.alert_id).join(each, true()))
                    .where(case_alerts.c.case_id.in_(cases))
                    .subquery(f"r_{dim}")
                )
            else:
                target, column = (
                    (Subject, Subject.province) if dim == "province" else (Transaction, Transaction.channel)
                )
                own = select(target.case_id.label("k"), column.label("v")).where(target.case_id.in_(cases))
                via = (
                    select(case_alerts.c.case_id.label("k"), column.label("v"))
                    .select_from(case_alerts.join(target, target.alert_id == case_alerts.c.alert_id))
                    .where(case_alerts.c.case_id.in_(cases))
                )
                rows = union_all(own, via).subquery(f"r_{dim}")
            grouped = (
                select(rows.c.k, d.json_list(func.coalesce(rows.c.v, UNKNOWN)).label("v"))
                .group_by(rows.c.k)
                .subquery(f"l_{dim}")
            )
            frm = frm.outerjoin(grouped, grouped.c.k == Case.id)
            lists.append(func.coalesce(grouped.c.v, "[]").label(dim))
        return select(Case.id.label("case_id"), *lists).select_from(frm).where(Case.id.in_(cases))

    def _build(self) -> None:
        conn = self.session.connection()
        if not self.dialect.sqlite:
            # The medians sort every payment of the pack: with the default 4 MB they spill to disk,
            # at twice the time. For this transaction only, restored when the pack is built.
            self.work_mem = self.session.scalar(text("SELECT current_setting('work_mem')"))
            self.session.execute(text(f"SET LOCAL work_mem = '{SORT_MEMORY}'"))
        for table in FACT_TABLES:
            table.create(conn)
        lo, hi = period_bounds(self.start, self.end)
        r, p, c = FACT_RECORDS, FACT_PROFILES, FACT_CASES
        in_pack = {
            "alerts": and_(alert_scope(self.org_ids), Alert.created_at >= lo, Alert.created_at < hi),
            "cases": and_(case_scope(self.org_ids), Case.created_at >= lo, Case.created_at < hi),
            "referrals": and_(referral_scope(self.org_ids), Referral.created_at >= lo, Referral.created_at < hi),
        }
        cases = union_all(select(Case.id).where(in_pack["cases"]), select(Referral.case_id).where(in_pack["referrals"]))
        self._insert(c, self._case_lists(cases))
        for kind, model in (("alerts", Alert), ("cases", Case), ("referrals", Referral)):
            org = aliased(Organisation)
            owner_org = Referral.to_org_id if kind == "referrals" else model.organisation_id
            frm = model.__table__.join(org, org.id == owner_org)
            if kind == "alerts":
                lists = self._alert_lists()
            else:
                lists = [c.c[dim] for dim in MULTI_VALUED]
                frm = frm.join(c, c.c.case_id == (Referral.case_id if kind == "referrals" else Case.id))
            rows = select(
                model.id.label("rid"),
                literal(kind).label("kind"),
                func.coalesce(self.dialect.quarter(model.created_at), UNKNOWN).label("quarter"),
                func.coalesce(org.kind, UNKNOWN).label("org_kind"),
                *lists,
            ).select_from(frm)
            self._insert(r, rows.where(in_pack[kind]))
        profile = [r.c[col.name] for col in _profile_columns()]
        self._insert(
            p,
            select(
                func.row_number().over(order_by=profile).label("pid"), *profile, func.count().label("weight")
            ).group_by(*profile),
        )
        v = FACT_VALUES
        if self.multi:
            values = []
            for dim in self.multi:
                each = self.dialect.json_values(p.c[dim], f"e_{dim}", text_column=True)
                values.append(
                    select(p.c.pid, literal(dim).label("dim"), func.coalesce(each.c.value, UNKNOWN).label("value"))
                    .select_from(p.join(each, true()))
                    .distinct()
                )
            self._insert(v, union_all(*values) if len(values) > 1 else values[0])
        same = and_(*(p.c[col.name] == r.c[col.name] for col in _profile_columns()))
        paid = [
            select(p.c.pid, Transaction.channel.label("channel"), Transaction.amount.label("amount"))
            .select_from(r.join(p, same).join(Transaction, owner == r.c.rid))
            .where(r.c.kind == kind)
            for kind, owner in (("alerts", Transaction.alert_id), ("cases", Transaction.case_id))
        ]
        self._insert(FACT_PAYMENTS, union_all(*paid))
        if not self.dialect.sqlite:  # autovacuum does not analyse temporary tables: the planner would guess
            for table in FACT_TABLES:
                self.session.execute(text(f"ANALYZE {table.name}"))

    def _dimension(self, dim: str, frm: FromClause) -> tuple[ColumnElement, FromClause]:
        """The column of `dim` for a profile (FACT_PROFILES in `frm`), and `frm` joined for it."""
        p = FACT_PROFILES
        if dim in ("quarter", "org_kind"):
            return p.c[dim], frm
        if dim not in self.multi:
            raise ValueError(f"the pack's facts were built without {dim!r}")
        values = aliased(FACT_VALUES, name=f"v_{dim}")
        on = and_(values.c.pid == p.c.pid, values.c.dim == dim)
        return func.coalesce(values.c.value, UNKNOWN), frm.outerjoin(values, on)

    def counts(self, dims: Sequence[str]) -> dict[str, dict[Key, int]]:
        """Records per cell, for each record kind: the sum of the weights of the profiles in the
        cell. A profile's values are distinct per dimension, so it appears once in a cell."""
        p = FACT_PROFILES
        frm: FromClause = p
        columns = []
        for dim in dims:
            column, frm = self._dimension(dim, frm)
            columns.append(column.label(dim))
        query = select(p.c.kind, *columns, func.sum(p.c.weight)).select_from(frm).group_by(p.c.kind, *columns)
        found: dict[str, dict[Key, int]] = {kind: {} for kind in RECORD_KINDS}
        for row in self.session.execute(query):
            found[row[0]][tuple(row[1:-1])] = int(row[-1])
        return found

    def amounts(self, dims: Sequence[str]) -> dict[Key, AmountStats]:
        """Count, sum and median of payment amounts per cell, the median by ranking in a window
        (PostgreSQL's percentile_cont has no SQLite counterpart): the middle row, or the mean of
        the two middle rows. With `channel`, each payment's own channel."""
        pay, p = FACT_PAYMENTS, FACT_PROFILES
        frm: FromClause = pay.join(p, p.c.pid == pay.c.pid)
        columns = []
        for dim in dims:
            column, frm = (pay.c.channel, frm) if dim == "channel" else self._dimension(dim, frm)
            columns.append(column.label(dim))
        facts = select(*columns, pay.c.amount.label("amount")).select_from(frm).subquery("f")
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
        for row in self.session.execute(query):
            n, total, median = row[-3:]
            if n is None:  # no payment at all: an aggregate without GROUP BY still returns a row, of NULLs
                continue
            # SQLite sums NUMERIC as floating point: rounding to the cent makes both backends agree.
            found[tuple(row[:-3])] = AmountStats(
                int(n), Decimal(str(total)).quantize(CENT), Decimal(str(median)).quantize(CENT)
            )
        return found


def count_records(
    session: Session, kind: str, dims: Sequence[str], org_ids: Collection[int] | None, start: date, end: date
) -> dict[Key, int]:
    """Records of one kind per cell, for one table (build_pack shares one PackFacts between its tables)."""
    with PackFacts(session, org_ids, start, end, dims) as facts:
        found = facts.counts(dims)[kind]
    return found if dims else {(): found.get((), 0)}


def amount_stats(
    session: Session, dims: Sequence[str], org_ids: Collection[int] | None, start: date, end: date
) -> dict[Key, AmountStats]:
    with PackFacts(session, org_ids, start, end, dims) as facts:
        return facts.amounts(dims)


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
