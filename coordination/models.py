"""Import every model so that `Base.metadata` is complete (for Alembic and the schema test)."""

from coordination.accounts.models import (  # noqa: F401
    ApiToken,
    Invitation,
    Organisation,
    RecoveryCode,
    User,
    UserSession,
)
from coordination.alerts.models import Alert, AlertNote  # noqa: F401
from coordination.audit.models import AuditEvent  # noqa: F401
from coordination.cases.models import Case, CaseNote  # noqa: F401
from coordination.core.keyring_check import KeyringCheck  # noqa: F401
from coordination.evidence.models import Evidence  # noqa: F401
from coordination.forum.models import ActionItem, AgendaItem, Meeting, MinutesVersion  # noqa: F401
from coordination.identifiers.models import IdentifierDigest  # noqa: F401
from coordination.referrals.models import Referral, ReferralNote, referral_evidence  # noqa: F401
from coordination.screening.models import ScreeningRun  # noqa: F401
from coordination.statistics.models import RecordCategories, ValueSet, ValueSetMember  # noqa: F401
from coordination.subjects.models import Subject, SubjectAccount, Transaction  # noqa: F401
