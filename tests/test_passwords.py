from __future__ import annotations

import pytest

from coordination.accounts.passwords import hash_password, password_problem, verify_password


@pytest.mark.parametrize(
    "password",
    [
        "short1!",  # too short
        "password1234",  # common
        "Sunshine2024!!!",  # a common word with decoration
        "iloveyou123456",
        "aaaaaaaaaaaaaaaa",  # too few distinct characters
    ],
)
def test_weak_passwords_are_refused(app, password):
    assert password_problem(password) is not None


def test_password_containing_the_email_name_is_refused(app):
    assert password_problem("RinaWulandari-2026!", "rinawulandari@ppatk.example.id") is not None


@pytest.mark.parametrize("password", ["Tiga-Kuda-Berlari-Pagi-2026", "kopi tubruk di stasiun gambir"])
def test_good_passwords_pass(app, password):
    assert password_problem(password) is None


def test_hash_is_argon2id_and_verifies():
    stored = hash_password("Tiga-Kuda-Berlari-Pagi-2026", "standard")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "Tiga-Kuda-Berlari-Pagi-2026", "standard")
    assert not verify_password(stored, "Tiga-Kuda-Berlari-Pagi-2027", "standard")
    assert not verify_password(None, "anything at all", "standard")
