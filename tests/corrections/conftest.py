"""Correction fixtures: a re-authenticated candidate, as the privacy request tests have one."""
from tests.requests.conftest import fresh_candidate  # noqa: F401 (a fixture)
