"""Loading of the declarative policy files in `policies/`; the one owner of every policy read."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app

from coordination.core.permissions import ORG_KINDS, PERMISSIONS, ROLES
from coordination.policy.catalogue import Catalogue, load_catalogue
from coordination.policy.evidence import EvidencePolicy, load_evidence_policy
from coordination.policy.redaction import RedactionPolicy, load_redaction_policy
from coordination.policy.roles import RolePolicy, load_role_policy
from coordination.statistics.policy import StatisticsPolicy, load_statistics_policy

if TYPE_CHECKING:
    from coordination.screening.policy import ScreeningPolicy


def load_policies(policies_dir: Path) -> dict[str, object]:
    """Read and validate every policy file; raises PolicyError naming file, line and problem."""
    # Imported here: the screening package's policy module itself builds on this package's loader.
    from coordination.screening.policy import load_screening_policy

    return {
        "roles": load_role_policy(
            policies_dir / "roles.yaml",
            known_kinds=ORG_KINDS,
            known_roles=ROLES,
            known_permissions=PERMISSIONS,
        ),
        "catalogue": load_catalogue(policies_dir / "catalogue.yaml", policies_dir / "red_flags.yaml"),
        "redaction": load_redaction_policy(policies_dir / "redaction.yaml", known_kinds=ORG_KINDS),
        "evidence": load_evidence_policy(
            policies_dir / "evidence.yaml", known_kinds=ORG_KINDS, known_permissions=PERMISSIONS
        ),
        "statistics": load_statistics_policy(policies_dir / "statistics.yaml", known_kinds=ORG_KINDS),
        # The rules a screening run applies: a bad rule stops the app at start, not a run later.
        "screening": load_screening_policy(policies_dir / "red_flags.yaml"),
    }


def role_policy() -> RolePolicy:
    return current_app.extensions["simpul.policies"]["roles"]


def catalogue() -> Catalogue:
    return current_app.extensions["simpul.policies"]["catalogue"]


def redaction_policy() -> RedactionPolicy:
    return current_app.extensions["simpul.policies"]["redaction"]


def evidence_policy() -> EvidencePolicy:
    return current_app.extensions["simpul.policies"]["evidence"]


def statistics_policy() -> StatisticsPolicy:
    """Minimum cell size, allowed breakdowns and national viewers of the statistics pack."""
    return current_app.extensions["simpul.policies"]["statistics"]


def screening_policy() -> ScreeningPolicy:
    """The red-flag rules of `policies/red_flags.yaml` as the screening engine runs them."""
    return current_app.extensions["simpul.policies"]["screening"]
