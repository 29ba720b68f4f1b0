"""Import every model so that `Base.metadata` is complete (for Alembic and the schema test)."""

from coordination.accounts.models import (  # noqa: F401
    ApiToken,
    Invitation,
    Organisation,
    RecoveryCode,
    User,
    UserSession,
)
from coordination.audit.models import AuditEvent  # noqa: F401
