"""The demonstration data that `make run` seeds on an empty database."""
