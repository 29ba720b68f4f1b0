from coordination.alerts.models.alert import Alert
from coordination.alerts.models.alert_note import AlertNote
from coordination.alerts.models.alert_subject import AlertSubject, SubjectAccount
from coordination.alerts.models.alert_transaction import AlertTransaction

__all__ = ["Alert", "AlertNote", "AlertSubject", "AlertTransaction", "SubjectAccount"]
