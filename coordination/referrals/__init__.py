"""Referrals: a case sent to another organisation, which sees only its policy projection."""
