"""Every state change of forum meetings: each validates, changes, and records in the audit log."""
