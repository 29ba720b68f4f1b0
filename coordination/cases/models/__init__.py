from coordination.cases.models.case import Case, case_alerts
from coordination.cases.models.case_note import CaseNote

__all__ = ["Case", "CaseNote", "case_alerts"]
