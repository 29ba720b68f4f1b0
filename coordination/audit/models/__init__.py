from coordination.audit.models.audit_event import AuditEvent
from coordination.audit.models.audit_log import AuditCheckpoint, AuditNode, AuditTreeHead, AuditWitnessSignature

__all__ = ["AuditCheckpoint", "AuditEvent", "AuditNode", "AuditTreeHead", "AuditWitnessSignature"]
