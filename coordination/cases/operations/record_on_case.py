"""People and payments recorded on a case by the organisation working it.

An NGO or service unit starts a case from a complaint, not from a PJK's alert: what it learns
(the child, the account the money went to, the payments the family saw) is recorded here,
sealed and blind-indexed exactly like an alert's, and referred through the same projection.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from coordination.accounts.models import User
from coordination.audit.record import record
from coordination.cases.models import Case
from coordination.core.db import get_session
from coordination.core.errors import Conflict, ValidationFailed
from coordination.identifiers.index import index_identifiers
from coordination.statistics.categories import record_categories
from coordination.subjects.operations import Identifiers, build_subject, build_transaction, catalogue_problems
from coordination.subjects.schemas import SubjectIn, TransactionIn


def add_to_case(case: Case, subjects: list[SubjectIn], transactions: list[TransactionIn]) -> None:
    """Seal, attach and index; the caller has validated and records the audit event."""
    identifiers: Identifiers = set()
    first_subject, first_tx = len(case.subjects), len(case.transactions)
    case.subjects.extend(build_subject(item, first_subject + i, identifiers) for i, item in enumerate(subjects))
    case.transactions.extend(build_transaction(item, first_tx + i, identifiers) for i, item in enumerate(transactions))
    get_session().flush()
    index_identifiers(identifiers, case_id=case.id)
    # A case's statistics categories include its alerts' and its own people's and payments'.
    record_categories("case", [case.id])


def record_on_case(
    actor: User, case: Case, subjects: list[SubjectIn], transactions: list[TransactionIn]
) -> tuple[int, int]:
    """Add people and/or payments to an open case; returns how many of each were added."""
    if case.status != "open":
        raise Conflict(_l("This case is closed; nothing can be added to it."))
    problems = catalogue_problems(subjects, transactions)
    if not subjects and not transactions:
        problems["subjects"] = str(_l("Add at least one person or one transaction."))
    if problems:
        raise ValidationFailed(_l("Nothing was added to the case."), problems)
    add_to_case(case, subjects, transactions)
    record(actor, "case.record", case, {"subjects": len(subjects), "transactions": len(transactions)})
    return len(subjects), len(transactions)
