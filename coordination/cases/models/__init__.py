from coordination.cases.models.case import Case, case_alerts

__all__ = ["Case", "case_alerts"]
