"""Every state change on cases."""
