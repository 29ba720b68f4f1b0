"""Every state change on referrals: sending and the recipient's and sender's actions."""
