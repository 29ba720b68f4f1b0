"""Flask extensions, created once and bound in `create_app`."""

from __future__ import annotations

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf import CSRFProtect


def _client_ip() -> str:
    return request.remote_addr or "unknown"


login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# No default limits: each sensitive endpoint (login, API) declares its own.
limiter = Limiter(key_func=_client_ip, default_limits=[], headers_enabled=True)
