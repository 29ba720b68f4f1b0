from coordination.referrals.models.referral import Referral, ReferralNote

__all__ = ["Referral", "ReferralNote"]
