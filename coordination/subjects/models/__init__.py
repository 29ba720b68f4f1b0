from coordination.subjects.models.subject import Subject, SubjectAccount
from coordination.subjects.models.transaction import Transaction

__all__ = ["Subject", "SubjectAccount", "Transaction"]
