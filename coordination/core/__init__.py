"""Cross-cutting mechanisms, one owner module each: database, keys, permissions, errors, web."""
