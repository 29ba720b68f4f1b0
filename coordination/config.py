"""Configuration, read once from SIMPUL_* environment variables.

Every setting an operator may change lives here, with its default; README.md has the table.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Config:
    data_dir: Path
    database_url: str
    keyring_path: Path
    redis_url: str | None = None
    cookie_secure: bool = True
    session_idle_minutes: int = 30
    login_rate_limit: str = "20 per minute"
    api_rate_limit: str = "600 per minute"
    # "standard" is argon2-cffi's RFC 9106 low-memory profile; "fast" exists only for the test
    # suite, which creates hundreds of users and must not spend minutes hashing.
    password_hash_profile: str = "standard"  # noqa: S105
    max_request_bytes: int = 2 * 1024 * 1024
    # Evidence uploads stream to encrypted storage; this bounds one file.
    evidence_max_bytes: int = 200 * 1024 * 1024
    # A transaction export uploaded for screening is held in memory, never written in clear;
    # larger exports are screened on the PJK's own premises with `flask screen`.
    screening_max_bytes: int = 64 * 1024 * 1024
    # "local" (files under data_dir/evidence) or "s3" (an S3-compatible bucket, for several
    # instances); credentials come from the standard AWS_* variables or instance roles.
    # The audit log's name in its signed checkpoints, and how often one is signed.
    audit_origin: str = "simpul.local/audit"
    audit_checkpoint_every: int = 1000
    evidence_store: str = "local"
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_prefix: str = "evidence/"
    default_locale: str = "id"
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted (0: none).
    proxy_hops: int = 0
    policies_dir: Path = field(default_factory=lambda: Path(__file__).resolve().parent.parent / "policies")
    testing: bool = False

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Config:
        env = dict(os.environ if env is None else env)
        data_dir = Path(env.get("SIMPUL_DATA_DIR") or "instance").resolve()
        database_url = env.get("SIMPUL_DATABASE_URL") or f"sqlite:///{data_dir / 'simpul.db'}"
        keyring_path = Path(env.get("SIMPUL_KEYRING_PATH") or data_dir / "keyring.json")
        policies_dir = env.get("SIMPUL_POLICIES_DIR")
        extra = {"policies_dir": Path(policies_dir).resolve()} if policies_dir else {}
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            keyring_path=keyring_path,
            redis_url=env.get("SIMPUL_REDIS_URL") or None,
            cookie_secure=_flag(env.get("SIMPUL_COOKIE_SECURE"), True),
            session_idle_minutes=int(env.get("SIMPUL_SESSION_IDLE_MINUTES") or 30),
            login_rate_limit=env.get("SIMPUL_LOGIN_RATE_LIMIT") or "20 per minute",
            api_rate_limit=env.get("SIMPUL_API_RATE_LIMIT") or "600 per minute",
            password_hash_profile=env.get("SIMPUL_PASSWORD_HASH_PROFILE") or "standard",
            default_locale=env.get("SIMPUL_DEFAULT_LOCALE") or "id",
            proxy_hops=int(env.get("SIMPUL_PROXY_HOPS") or 0),
            evidence_max_bytes=int(env.get("SIMPUL_EVIDENCE_MAX_BYTES") or 200 * 1024 * 1024),
            screening_max_bytes=int(env.get("SIMPUL_SCREENING_MAX_BYTES") or 64 * 1024 * 1024),
            evidence_store=env.get("SIMPUL_EVIDENCE_STORE") or "local",
            audit_origin=env.get("SIMPUL_AUDIT_ORIGIN") or "simpul.local/audit",
            audit_checkpoint_every=int(env.get("SIMPUL_AUDIT_CHECKPOINT_EVERY") or 1000),
            s3_bucket=env.get("SIMPUL_S3_BUCKET") or None,
            s3_endpoint_url=env.get("SIMPUL_S3_ENDPOINT_URL") or None,
            s3_prefix=env.get("SIMPUL_S3_PREFIX") or "evidence/",
            **extra,
        )

    @property
    def evidence_dir(self) -> Path:
        return self.data_dir / "evidence"

    @property
    def rate_limit_storage(self) -> str:
        return self.redis_url or "memory://"
