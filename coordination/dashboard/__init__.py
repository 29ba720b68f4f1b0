"""The landing page after sign-in, shaped by the organisation's kind."""
