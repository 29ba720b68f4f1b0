"""Does this keyring belong to this database? Checked at start-up, before anything is served.

A keyring file that is missing, replaced by another installation's, or restored from the wrong
backup would otherwise let the app start and then fail request by request: no session or API
token matches its keyed hash, no sealed value opens, no evidence key unwraps. The database keeps
one *key check value* per key (`keys.check_values`: an HMAC of a constant, never the key), so
start-up can refuse with the name of the key that is missing or wrong.

Keys the keyring holds and the table does not yet list are recorded (a new installation's first
start, the first start after this table was added, a rotation by another process); keys the
table lists must be present and must match. `keys retire` removes its key's row.
"""

from __future__ import annotations

import hmac
from datetime import datetime

from sqlalchemy import String, delete, inspect, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from coordination.core.db import Base, utcnow
from coordination.core.keys import Keyring, KeyringError, check_values, describe_key


class KeyringCheck(Base):
    """One key the database's data depends on, by name ("root", "field:f1", "kek:k1")."""

    __tablename__ = "keyring_checks"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    check_value: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


def verify_keyring(engine: Engine, keyring: Keyring, where: str) -> None:
    """Raise KeyringError naming the first key that is missing from, or wrong in, the keyring.

    `where` names the keyring (its file) in the message. A database without the table (not yet
    initialised, or not yet migrated) has nothing to check against.
    """
    if not inspect(engine).has_table(KeyringCheck.__tablename__):
        return
    expected = check_values(keyring)
    for _attempt in range(3):  # several workers may record the same new key at once
        with engine.begin() as conn:
            stored = {key: value for key, value in conn.execute(select(KeyringCheck.key, KeyringCheck.check_value))}
            _compare(stored, expected, where)
            try:
                _record(conn, {k: v for k, v in expected.items() if k not in stored})
            except IntegrityError:
                continue  # another process recorded it first: compare again against its row
        return
    raise KeyringError(f"could not record the key check values of {where}; try starting again")


def _compare(stored: dict[str, str], expected: dict[str, str], where: str) -> None:
    names = sorted(stored, key=lambda n: (n != "root", n))  # the root key first, then by id
    missing = [describe_key(n) for n in names if n not in expected]
    differ = {n for n in stored if n in expected and not hmac.compare_digest(stored[n], expected[n])}
    wrong = [describe_key(n) for n in names if n in differ]
    problems = []
    if missing:
        problems.append(f"lacks the {', '.join(missing)}, which this database's data needs")
    if wrong:
        problems.append(
            f"holds a different {', '.join(wrong)} than this database was set up with "
            "(another installation's keyring, or an old one?)"
        )
    if problems:
        raise KeyringError(
            f"{where} {' and '.join(problems)}: restore the right keyring from its backup "
            "(see docs/backup.md, key custody)"
        )


def _record(conn: Connection, new: dict[str, str]) -> None:
    for name, value in sorted(new.items()):
        conn.execute(KeyringCheck.__table__.insert().values(key=name, check_value=value, recorded_at=utcnow()))


def record_new_keys(conn: Connection, keyring: Keyring) -> None:
    """After a rotation: list the keyring's new keys, so an instance started on an older copy of
    the keyring refuses to start instead of failing on the new key's data."""
    stored = set(conn.execute(select(KeyringCheck.key)).scalars())
    _record(conn, {k: v for k, v in check_values(keyring).items() if k not in stored})


def forget_key(conn: Connection, name: str) -> None:
    """A retired key: the database no longer needs it."""
    conn.execute(delete(KeyringCheck).where(KeyringCheck.key == name))
