from coordination.identifiers.models.identifier_digest import IdentifierDigest

__all__ = ["IdentifierDigest"]
