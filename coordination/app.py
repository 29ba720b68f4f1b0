"""The application factory: configuration in, a hardened Flask app out.

Start-up refuses to run on a broken policy file or a missing keyring rather than serve errors.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import inspect
from werkzeug.middleware.proxy_fix import ProxyFix

from coordination.config import Config
from coordination.core import keys
from coordination.core.db import Database, close_session
from coordination.core.extensions import babel, csrf, limiter
from coordination.core.i18n import select_locale
from coordination.core.jobs import init_jobs
from coordination.core.keyring_check import verify_keyring
from coordination.core.templating import init_templating
from coordination.core.web import BoundedIntConverter, SimpulRequest, harden, register_error_handlers
from coordination.evidence.storage import EvidenceStore, LocalStore
from coordination.policy import load_policies

PACKAGE_DIR = Path(__file__).resolve().parent


def _open_keyring(config: Config, database: Database) -> keys.Keyring:
    """Load the keyring; generate one only for a database that has never been initialised.

    An initialised database without its keyring means sealed secrets can no longer be read:
    stop and say so, rather than silently start a new keyring.
    """
    provider = keys.FileKeyProvider(config.keyring_path)
    if provider.exists():
        keyring = provider.load()
        # A keyring that loads may still be another installation's: compare key check values.
        verify_keyring(database.engine, keyring, f"keyring file {config.keyring_path}")
        return keyring
    initialised = inspect(database.engine).has_table("alembic_version")
    if initialised:
        raise keys.KeyringError(
            f"keyring file {config.keyring_path} is missing, but the database "
            f"{database.engine.url.render_as_string(hide_password=True)} is already initialised: "
            "restore the keyring from its backup (see docs/security.md, key custody)"
        )
    return provider.create()


def create_app(config: Config | None = None) -> Flask:
    config = config or Config.from_env()
    config.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    policies = load_policies(config.policies_dir)
    database = Database(config.database_url)
    keyring = _open_keyring(config, database)

    app = Flask("coordination", root_path=str(PACKAGE_DIR))
    app.request_class = SimpulRequest
    app.url_map.converters["int"] = BoundedIntConverter  # before any route is added
    app.config.update(
        SECRET_KEY=keys.flask_secret(keyring),
        # `__Host-` (ASVS 5.0 3.3.3): the browser refuses the cookie unless it is Secure, for this
        # host only and path /, so a sibling subdomain cannot plant or shadow it. The prefix needs
        # Secure, so plain-http test servers (cookie_secure off) keep the bare name.
        SESSION_COOKIE_NAME="__Host-simpul_session" if config.cookie_secure else "simpul_session",
        SESSION_COOKIE_PATH="/",
        SESSION_COOKIE_SECURE=config.cookie_secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=config.session_idle_minutes),
        MAX_CONTENT_LENGTH=config.max_request_bytes,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session, which idles out
        BABEL_DEFAULT_LOCALE=config.default_locale,
        BABEL_TRANSLATION_DIRECTORIES=str(PACKAGE_DIR / "translations"),
        RATELIMIT_STORAGE_URI=config.rate_limit_storage,
        # Redis down: keep serving and keep limiting, per instance in memory, until it answers
        # again (re-checked with back-off), rather than failing every request.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        TESTING=config.testing,
    )
    if config.proxy_hops:
        # Client address (rate limits, audit) and scheme (HSTS) as the trusted proxy saw them.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.proxy_hops, x_proto=config.proxy_hops)  # type: ignore[method-assign]
    app.extensions["simpul.config"] = config
    app.extensions["simpul.policies"] = policies
    app.extensions["simpul.keyring"] = keyring
    app.extensions["simpul.key_provider"] = keys.FileKeyProvider(config.keyring_path)
    app.extensions["simpul.db"] = database
    app.extensions["simpul.evidence_store"] = _evidence_store(config)
    app.teardown_appcontext(close_session)

    from coordination.accounts.identity import init_identity

    # The permission gate is registered before CSRF and rate limiting so that a refused
    # request is refused (and audited) as such, whatever else is wrong with it.
    init_identity(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    app.after_request(harden)
    register_error_handlers(app)
    _register_blueprints(app)
    _register_cli(app)
    init_jobs(app)

    init_templating(app)
    return app


def _evidence_store(config: Config) -> EvidenceStore:
    if config.evidence_store == "local":
        return LocalStore(config.evidence_dir)
    if config.evidence_store == "s3" and config.s3_bucket:
        from coordination.evidence.storage_s3 import S3Store

        return S3Store(config.s3_bucket, config.s3_prefix, endpoint_url=config.s3_endpoint_url)
    raise SystemExit(
        "simpul: refusing to start: SIMPUL_EVIDENCE_STORE must be 'local', or 's3' with SIMPUL_S3_BUCKET set"
    )


def _register_blueprints(app: Flask) -> None:
    from coordination.accounts.blueprint import bp as accounts_bp
    from coordination.alerts.blueprint import bp as alerts_bp
    from coordination.api.blueprint import bp as api_bp
    from coordination.audit.blueprint import bp as audit_bp
    from coordination.cases.blueprint import bp as cases_bp
    from coordination.dashboard.blueprint import bp as dashboard_bp
    from coordination.evidence.blueprint import bp as evidence_bp
    from coordination.forum.blueprint import bp as forum_bp
    from coordination.referrals.blueprint import bp as referrals_bp
    from coordination.screening.blueprint import bp as screening_bp
    from coordination.statistics.blueprint import bp as statistics_bp

    for bp in (
        accounts_bp,
        dashboard_bp,
        alerts_bp,
        cases_bp,
        referrals_bp,
        evidence_bp,
        audit_bp,
        screening_bp,
        forum_bp,
        statistics_bp,
    ):
        app.register_blueprint(bp)
    csrf.exempt(api_bp)  # the API checks CSRF itself for cookie sessions; tokens need none
    app.register_blueprint(api_bp)

    from coordination.core.permissions import public

    # Static files are public assets; declare them like every other endpoint.
    app.view_functions["static"] = public(app.view_functions["static"])


def _register_cli(app: Flask) -> None:
    from coordination.cli import register

    register(app)
