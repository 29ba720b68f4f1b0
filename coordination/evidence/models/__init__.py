from coordination.evidence.models.evidence import Evidence

__all__ = ["Evidence"]
