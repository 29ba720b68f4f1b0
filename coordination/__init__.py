"""Simpul: the coordination platform for the financial side of child sexual exploitation cases."""
