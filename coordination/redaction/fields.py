"""Which logical fields each stored column of case data carries.

Adding a column to a case-data table without saying here what it carries fails a test: either
it feeds projected fields (each with a class in policies/redaction.yaml) or it is internal
(ids, keys, bookkeeping) and never projected.
"""

from __future__ import annotations

INTERNAL = "internal"

CASE_DATA_COLUMNS: dict[str, list[str] | str] = {
    "alerts.id": INTERNAL,
    "alerts.organisation_id": ["alert.pjk"],
    "alerts.reference": ["alert.reference"],
    "alerts.typologies": ["alert.typologies"],
    "alerts.indicators": ["alert.indicators"],
    "alerts.narrative_sealed": ["alert.narrative"],
    "alerts.status": INTERNAL,
    "alerts.assignee_id": INTERNAL,
    "alerts.escalated_to_id": INTERNAL,
    "alerts.escalated_at": INTERNAL,
    "alerts.created_by_id": INTERNAL,
    "alerts.created_at": INTERNAL,
    "alerts.updated_at": INTERNAL,
    "alert_subjects.id": INTERNAL,
    "alert_subjects.alert_id": INTERNAL,
    "alert_subjects.position": INTERNAL,
    "alert_subjects.role": ["subject.role"],
    "alert_subjects.gender": ["subject.gender"],
    "alert_subjects.province": ["subject.province"],
    "alert_subjects.personal_sealed": [
        "subject.name",
        "subject.nik",
        "subject.birth_date",
        "subject.age_band",
        "subject.phone",
        "subject.email",
        "subject.address",
    ],
    "subject_accounts.id": INTERNAL,
    "subject_accounts.subject_id": INTERNAL,
    "subject_accounts.position": INTERNAL,
    "subject_accounts.type": ["account.type"],
    "subject_accounts.provider": ["account.provider"],
    "subject_accounts.identifier_sealed": ["account.identifier"],
    "alert_transactions.id": INTERNAL,
    "alert_transactions.alert_id": INTERNAL,
    "alert_transactions.position": INTERNAL,
    "alert_transactions.tx_id": ["transaction.tx_id"],
    "alert_transactions.occurred_at": ["transaction.timestamp"],
    "alert_transactions.amount": ["transaction.amount"],
    "alert_transactions.currency": ["transaction.currency"],
    "alert_transactions.channel": ["transaction.channel"],
    "alert_transactions.details_sealed": ["transaction.from_account", "transaction.to_account", "transaction.note"],
    # Triage notes stay inside the organisations that hold the alert; never projected.
    "alert_notes.id": INTERNAL,
    "alert_notes.alert_id": INTERNAL,
    "alert_notes.author_id": INTERNAL,
    "alert_notes.created_at": INTERNAL,
    "alert_notes.text_sealed": INTERNAL,
    "cases.id": INTERNAL,
    "cases.organisation_id": INTERNAL,
    "cases.title_sealed": ["case.title"],
    "cases.summary_sealed": ["case.summary"],
    "cases.status": INTERNAL,
    "cases.created_by_id": INTERNAL,
    "cases.created_at": INTERNAL,
    "cases.updated_at": INTERNAL,
    "case_alerts.case_id": INTERNAL,
    "case_alerts.alert_id": INTERNAL,
}
CASE_DATA_TABLES = frozenset(key.split(".")[0] for key in CASE_DATA_COLUMNS)
