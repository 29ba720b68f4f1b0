def test_signed_in_user_sees_dashboard(signed_in):
    client, user = signed_in("pjk", "member")
    response = client.get("/")
    assert response.status_code == 200
    assert user.organisation.name in response.get_data(as_text=True)
