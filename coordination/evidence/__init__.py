"""Evidence: files attached to cases, encrypted at rest (format.py), with a custody record."""
