"""The load test: a realistic mix of requests against gunicorn on PostgreSQL (see run.py)."""
