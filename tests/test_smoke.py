def test_login_page_in_norwegian(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "Logg inn" in response.get_data(as_text=True)
