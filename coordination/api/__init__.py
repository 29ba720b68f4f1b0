"""The JSON API under /api/v1: one registry of endpoints, from which the OpenAPI document is built."""
