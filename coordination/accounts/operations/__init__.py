"""Every state change on organisations, users, sessions and tokens; shared by UI, API and CLI."""
