"""Entry point: `flask --app app ...` and WSGI servers (`gunicorn app:app`).

A broken policy file or a missing keyring stops the process with one readable line.
"""

import sys

from coordination.app import create_app
from coordination.core.keys import KeyringError
from coordination.policy.loader import PolicyError

try:
    app = create_app()
except (PolicyError, KeyringError) as exc:
    sys.exit(f"simpul: refusing to start: {exc}")
