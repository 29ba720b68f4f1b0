"""Who sees which evidence: the case owner's users, per category as policies/evidence.yaml says.

A category a user may not see (CSAM, for everyone but police and PPATK analysts holding
`evidence.view_csam`) is filtered in the query itself, so lists, pages, downloads and exports
can never show what a detail page would refuse.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Select, false

from coordination.accounts.access import can, get_visible_or_404
from coordination.accounts.models import User
from coordination.cases.models import Case
from coordination.evidence.models import Evidence
from coordination.policy import evidence_policy
from coordination.policy.evidence import Category


def may_see_category(user: User, category: Category) -> bool:
    if category.restricted_to is not None and user.organisation.kind not in category.restricted_to:
        return False
    return category.permission is None or can(user, category.permission)


def visible_categories(user: User) -> list[str]:
    return sorted(name for name, category in evidence_policy().categories.items() if may_see_category(user, category))


def restrict_evidence(query: Select, viewer: User) -> Select:
    if not can(viewer, "evidence.view"):
        return query.where(false())
    owned = Evidence.case_id.in_(
        Case.__table__.select().with_only_columns(Case.id).where(Case.organisation_id == viewer.organisation_id)
    )
    return query.where(owned, Evidence.category.in_(visible_categories(viewer)))


def get_evidence_or_404(evidence_id: uuid.UUID | str, viewer: User) -> Evidence:
    return get_visible_or_404(Evidence, restrict_evidence, evidence_id, viewer)
