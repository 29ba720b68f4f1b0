"""Organisations, users, sign-in (password + TOTP), sessions, API tokens and their administration."""
