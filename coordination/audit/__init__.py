"""The audit trail: who did what, to which object, when, from where, with what outcome.

`record(...)` is the one way to append an event; see `coordination.audit.record`.
"""

from coordination.audit.record import record

__all__ = ["record"]
