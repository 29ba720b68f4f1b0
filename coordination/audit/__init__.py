"""The audit trail: who did what, to which object, when, from where, with what outcome.

`coordination.audit.record.record(...)` is the one way to append an event. This package's
`__init__` imports nothing on purpose: the standalone verifier (`verify_export`, with
`merkle`, `canonical` and `signed_note`) must load without Flask or SQLAlchemy.
"""
