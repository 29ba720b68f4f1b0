"""Who sees which evidence: the case owner's users, and a referral's recipient for the items
the referral carries while it is open to it; per category as policies/evidence.yaml says.

A category a user may not see (CSAM, for everyone but police and PPATK analysts holding
`evidence.view_csam`) is filtered in the query itself, so lists, pages, downloads and exports
can never show what a detail page would refuse.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Select, false, or_, select

from coordination.accounts.access import can, get_visible_or_404
from coordination.accounts.models import User
from coordination.cases.models import Case
from coordination.evidence.models import Evidence
from coordination.policy import evidence_policy
from coordination.policy.evidence import Category
from coordination.referrals.access import OPEN_TO_RECIPIENT
from coordination.referrals.models import Referral, referral_evidence


def may_see_category(user: User, category: Category) -> bool:
    if category.restricted_to is not None and user.organisation.kind not in category.restricted_to:
        return False
    return category.permission is None or can(user, category.permission)


def visible_categories(user: User) -> list[str]:
    return sorted(name for name, category in evidence_policy().categories.items() if may_see_category(user, category))


def restrict_evidence(query: Select, viewer: User) -> Select:
    if not can(viewer, "evidence.view"):
        return query.where(false())
    owned = Evidence.case_id.in_(select(Case.id).where(Case.organisation_id == viewer.organisation_id))
    referred = Evidence.id.in_(
        select(referral_evidence.c.evidence_id)
        .join(Referral, Referral.id == referral_evidence.c.referral_id)
        .where(Referral.to_org_id == viewer.organisation_id, Referral.status.in_(OPEN_TO_RECIPIENT))
    )
    return query.where(or_(owned, referred), Evidence.category.in_(visible_categories(viewer)))


def get_evidence_or_404(evidence_id: uuid.UUID | str, viewer: User) -> Evidence:
    return get_visible_or_404(Evidence, restrict_evidence, evidence_id, viewer)
