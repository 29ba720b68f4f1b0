"""Redaction: what a recipient organisation sees of a case, decided by `policies/redaction.yaml`.

`project_case_for(recipient, purpose, case)` is the one function that turns a case into what
leaves its owner: API, pages and exports all call it, so there is no second path.
"""

from coordination.redaction.project import Projection, project_case_for

__all__ = ["Projection", "project_case_for"]
