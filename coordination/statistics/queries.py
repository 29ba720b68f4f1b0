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
    Integer,
    MetaData,
    Numeric,
    Select,
    String,
    Table,
    Text,
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
from coordination.cases.models import Case
from coordination.referrals.access import OPEN_TO_RECIPIENT
from coordination.referrals.models import Referral
from coordination.statistics.categories import fill_missing
from coordination.statistics.dimensions import UNKNOWN, Dialect, period_bounds, quarter_in_period
from coordination.statistics.models import RecordCategories, ValueSetMember
from coordination.statistics.models.categories import DIMENSIONS
from coordination.subjects.models import Transaction

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
# them instead of the base tables.
#
# Each record's categories are kept as it is written (coordination.statistics.categories): four
# set ids per alert or case. Records with the same kind, quarter, organisation kind and sets (of
# the dimensions the pack uses) fall in the same cells, so a *profile* is one such combination
# with its number of records, and counts are sums of profile weights. Payments keep their amounts
# (medians need them) with their record's quarter, organisation kind and sets.
MULTI_VALUED = DIMENSIONS  # typology, indicator, channel, province
SORT_MEMORY = "64MB"  # PostgreSQL work_mem while a pack is built
_temp = MetaData()
_TEMPORARY = {"prefixes": ["TEMPORARY"], "postgresql_on_commit": "DROP"}


def _record_columns() -> list[Column]:
    return [
        Column("quarter", String(8), nullable=False),
        Column("org_kind", Text, nullable=False),
        *(Column(f"{dim}_set", Integer, nullable=False) for dim in MULTI_VALUED),  # 0 when not needed
    ]


FACT_PROFILES = Table(
    "stats_fact_profiles",
    _temp,
    Column("kind", String(10), nullable=False),
    *_record_columns(),
    Column("weight", Integer, nullable=False),  # records with this profile
    **_TEMPORARY,
)
# Every payment recorded on an alert or a case of the pack, with its record's categories.
FACT_PAYMENTS = Table(
    "stats_fact_payments",
    _temp,
    *_record_columns(),
    Column("channel", String(20)),  # the payment's own
    Column("amount", Numeric(18, 2)),
    **_TEMPORARY,
)
FACT_TABLES = (FACT_PROFILES, FACT_PAYMENTS)


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
        # Records written without their categories (bulk loads, data older than them) get them now.
        fill_missing(self.session)
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

    def _record(
        self, model: type, created_at: ColumnElement, owner_org: ColumnElement, record_id: ColumnElement
    ) -> tuple[list[ColumnElement], FromClause]:
        """(columns, from clause) of a record's quarter, organisation kind and needed sets."""
        org, cats = aliased(Organisation), aliased(RecordCategories)
        columns = [
            quarter_in_period(created_at, self.start, self.end).label("quarter"),
            func.coalesce(org.kind, UNKNOWN).label("org_kind"),
            *(
                (getattr(cats, f"{dim}_set_id") if dim in self.multi else literal(0)).label(f"{dim}_set")
                for dim in MULTI_VALUED
            ),
        ]
        frm = model.__table__.join(org, org.id == owner_org).join(cats, cats.record_id == record_id)
        return columns, frm

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
        in_pack = {
            "alerts": and_(alert_scope(self.org_ids), Alert.created_at >= lo, Alert.created_at < hi),
            "cases": and_(case_scope(self.org_ids), Case.created_at >= lo, Case.created_at < hi),
            "referrals": and_(referral_scope(self.org_ids), Referral.created_at >= lo, Referral.created_at < hi),
        }
        profiles = []
        for kind, model, owner_org, record_id in (
            ("alerts", Alert, Alert.organisation_id, Alert.id),
            ("cases", Case, Case.organisation_id, Case.id),
            ("referrals", Referral, Referral.to_org_id, Referral.case_id),  # a referral falls in its case's sets
        ):
            columns, frm = self._record(model, model.created_at, owner_org, record_id)
            profiles.append(
                select(literal(kind).label("kind"), *columns, func.count().label("weight"))
                .select_from(frm)
                .where(in_pack[kind])
                .group_by(*columns)
            )
        self._insert(FACT_PROFILES, union_all(*profiles))
        paid = []
        for kind, model, owner in (("alerts", Alert, Transaction.alert_id), ("cases", Case, Transaction.case_id)):
            columns, frm = self._record(model, model.created_at, model.organisation_id, model.id)
            paid.append(
                select(*columns, Transaction.channel.label("channel"), Transaction.amount.label("amount"))
                .select_from(frm.join(Transaction, owner == model.id))
                .where(in_pack[kind])
            )
        self._insert(FACT_PAYMENTS, union_all(*paid))
        if not self.dialect.sqlite:
            # Autovacuum does not analyse temporary tables: without this the planner guesses the
            # profiles' size. The payments are only ever scanned whole (hash joins to the small
            # set tables), and analysing them would cost more than any plan it could change.
            self.session.execute(text(f"ANALYZE {FACT_PROFILES.name}"))

    def _dimension(self, dim: str, facts: Table, frm: FromClause) -> tuple[ColumnElement, FromClause]:
        """The column of `dim` for a row of `facts` (in `frm`), and `frm` joined for it: a
        multi-valued dimension's values are the members of the row's set ('unknown' for none)."""
        if dim in ("quarter", "org_kind"):
            return facts.c[dim], frm
        if dim not in self.multi:
            raise ValueError(f"the pack's facts were built without {dim!r}")
        members = aliased(ValueSetMember, name=f"v_{dim}")
        return func.coalesce(members.value, UNKNOWN), frm.outerjoin(members, members.set_id == facts.c[f"{dim}_set"])

    def counts(self, dims: Sequence[str]) -> dict[str, dict[Key, int]]:
        """Records per cell, for each record kind: the sum of the weights of the profiles in the
        cell. A profile's values are distinct per dimension, so it appears once in a cell."""
        p = FACT_PROFILES
        frm: FromClause = p
        columns = []
        for dim in dims:
            column, frm = self._dimension(dim, p, frm)
            columns.append(column.label(dim))
        query = select(p.c.kind, *columns, func.sum(p.c.weight)).select_from(frm).group_by(p.c.kind, *columns)
        found: dict[str, dict[Key, int]] = {kind: {} for kind in RECORD_KINDS}
        for row in self.session.execute(query):
            found[row[0]][tuple(row[1:-1])] = int(row[-1])
        return found

    def amounts(self, dims: Sequence[str]) -> dict[Key, AmountStats]:
        """Count, sum and median of payment amounts per cell: the middle payment, or the mean of
        the two middle ones (percentile_cont on PostgreSQL; SQLite has none, so a ranking window
        there). With `channel`, each payment's own channel."""
        pay = FACT_PAYMENTS
        frm: FromClause = pay
        columns = []
        for dim in dims:
            column, frm = (pay.c.channel, frm) if dim == "channel" else self._dimension(dim, pay, frm)
            columns.append(column.label(dim))
        facts = select(*columns, pay.c.amount.label("amount")).select_from(frm).subquery("f")
        cell = [facts.c[d] for d in dims]
        if not self.dialect.sqlite:
            # PostgreSQL's ordered-set aggregate: one sort per cell; at 0.5 it interpolates
            # between the two middle payments of an even count, the same median as below.
            median = func.percentile_cont(0.5).within_group(facts.c.amount)
            query = select(*cell, func.count(), func.sum(facts.c.amount), median).group_by(*cell)
            return self._amount_rows(query)
        # Count and sum by a plain GROUP BY; the median from a row_number() window joined to the
        # count. (SQLite evaluates a count or sum over a whole-partition frame at several times
        # the cost of a streaming row_number: two sorts this way are cheaper than one.)
        sizes = (
            select(*cell, func.count().label("n"), func.sum(facts.c.amount).label("total"))
            .group_by(*cell)
            .subquery("s")
        )
        ranked = select(
            *cell,
            facts.c.amount,
            func.row_number().over(partition_by=cell or None, order_by=facts.c.amount).label("rn"),
        ).subquery("w")
        same_cell = and_(true(), *(ranked.c[d].is_not_distinct_from(sizes.c[d]) for d in dims))
        middle = or_(ranked.c.rn == (sizes.c.n + 1) // 2, ranked.c.rn == (sizes.c.n + 2) // 2)
        query = (
            select(*(sizes.c[d] for d in dims), func.max(sizes.c.n), func.max(sizes.c.total), func.avg(ranked.c.amount))
            .select_from(ranked.join(sizes, same_cell))
            .where(middle)
            .group_by(*(sizes.c[d] for d in dims))
        )
        return self._amount_rows(query)

    def _amount_rows(self, query: Select) -> dict[Key, AmountStats]:
        """{cell: AmountStats} from rows of (cell values..., count, sum, median)."""
        found: dict[Key, AmountStats] = {}
        for row in self.session.execute(query):
            n, total, median = row[-3:]
            if not n:  # no payment at all: an aggregate without GROUP BY still returns a row (0 or NULL)
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
