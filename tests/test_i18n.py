"""Every user-visible string is translated in both catalogs, and the language switch works."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = ROOT / "coordination" / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def source_messages() -> set[str]:
    method_map = [("coordination/**.py", "python"), ("coordination/**/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(ROOT), method_map, keywords=keywords):
        if isinstance(message, str) and message:
            found.add(message)
    return found


@pytest.mark.parametrize("locale", ["id", "en"])
def test_every_source_string_is_translated(locale):
    with open(CATALOGS / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    missing = sorted(m for m in source_messages() if not (catalog.get(m) and catalog.get(m).string))
    assert missing == [], f"untranslated in {locale}: run `make extract-messages` and translate"
    fuzzy = sorted(m.id for m in catalog if m.id and m.fuzzy)
    assert fuzzy == []
    for message in catalog:
        if message.id:
            assert set(PLACEHOLDER.findall(message.id)) == set(PLACEHOLDER.findall(message.string)), message.id


def test_pages_follow_the_chosen_language(client):
    from tests.conftest import csrf_token

    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="id">' in page and "Kata sandi" in page
    client.post("/language", data={"lang": "en", "next": "/login", "csrf_token": csrf_token(client, "/login")})
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Password" in page and "Kata sandi" not in page


def test_language_choice_is_kept_on_the_user(app, signed_in):
    from coordination.core.db import get_session
    from tests.conftest import csrf_token

    client, user = signed_in("ngo", "member")
    client.post("/language", data={"lang": "en", "next": "/", "csrf_token": csrf_token(client)})
    get_session().refresh(user)
    assert user.locale == "en"


def test_policy_labels_follow_the_language(app, signed_in):
    from tests.conftest import csrf_token

    client, _ = signed_in("ngo", "member")
    assert "Organisasi Masyarakat Sipil" in client.get("/").get_data(as_text=True)
    client.post("/language", data={"lang": "en", "next": "/", "csrf_token": csrf_token(client)})
    assert "Non-governmental organisation" in client.get("/").get_data(as_text=True)
