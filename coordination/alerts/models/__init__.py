from coordination.alerts.models.alert import Alert
from coordination.alerts.models.alert_note import AlertNote
from coordination.subjects import models as _subjects  # noqa: F401  (maps Alert.subjects, Alert.transactions)

__all__ = ["Alert", "AlertNote"]
