"""JSON values sealed under the keyring's field key, bound to a context (the row they belong to).

Every domain seals its free text and personal data through these two functions, so that what
is encrypted, and how, is decided in `coordination.core.keys` alone.
"""

from __future__ import annotations

import json
from typing import Any

from coordination.core.context import keyring
from coordination.core.keys import seal, unseal


def seal_json(value: Any, context: str) -> bytes:
    return seal(keyring(), json.dumps(value, ensure_ascii=False, sort_keys=True).encode(), context)


def open_json(blob: bytes, context: str) -> Any:
    return json.loads(unseal(keyring(), blob, context))
