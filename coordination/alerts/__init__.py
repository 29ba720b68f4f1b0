"""Alerts: raised by a PJK, triaged there, escalated to PPATK's inbox."""
