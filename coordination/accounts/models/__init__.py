from coordination.accounts.models.api_token import ApiToken
from coordination.accounts.models.invitation import Invitation
from coordination.accounts.models.organisation import Organisation
from coordination.accounts.models.recovery_code import RecoveryCode
from coordination.accounts.models.user import User
from coordination.accounts.models.user_session import UserSession

__all__ = ["ApiToken", "Invitation", "Organisation", "RecoveryCode", "User", "UserSession"]
