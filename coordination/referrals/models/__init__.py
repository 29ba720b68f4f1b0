from coordination.referrals.models.referral import Referral, ReferralNote
from coordination.referrals.models.referral_evidence import referral_evidence

__all__ = ["Referral", "ReferralNote", "referral_evidence"]
