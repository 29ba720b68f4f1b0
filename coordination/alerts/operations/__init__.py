"""Every state change on alerts: raising one, and the triage actions."""
