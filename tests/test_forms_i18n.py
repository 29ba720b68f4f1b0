"""Form validation messages appear in the user's language (WTForms has no Indonesian catalog)."""

from tests.conftest import csrf_token


def test_empty_login_form_errors_are_in_indonesian_then_english(client):
    token = csrf_token(client, "/login")
    page = client.post("/login", data={"email": "", "password": "", "csrf_token": token}).get_data(as_text=True)
    assert page.count("Kolom ini wajib diisi.") == 2
    client.post("/language", data={"lang": "en", "next": "/login", "csrf_token": token})
    page = client.post("/login", data={"email": "", "password": "", "csrf_token": token}).get_data(as_text=True)
    assert page.count("This field is required.") == 2
