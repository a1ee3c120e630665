"""Property-based fuzzing of the foundation's forms: never a 500, never a write."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.auth.models import LoginSession

junk = st.one_of(st.text(max_size=300), st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=50),
                 st.text(alphabet=st.characters(min_codepoint=0x7F, max_codepoint=0x9F), max_size=20),
                 st.just("a\x00@example.no"), st.just("x" * 10_000),
                 st.just("<script>alert(1)</script>"), st.just("' OR 1=1 --"), st.just("x" * 5000))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(email=junk, password=junk, lang=junk, next_=junk)
def test_login_and_language_survive_any_input(client, email, password, lang, next_):
    response = client.post("/login", data={"email": email, "password": password, "next": next_})
    assert response.status_code in (200, 429)
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    response = client.post("/language", data={"lang": lang, "next": next_})
    assert response.status_code == 302
    assert not response.headers["Location"].startswith("//")
    assert LoginSession.select().count() == 0
