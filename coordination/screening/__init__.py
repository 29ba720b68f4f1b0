"""Red-flag screening of transaction exports: the catalogue's rules run over a PJK's own data."""
