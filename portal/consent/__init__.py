"""Consent: append-only records per purpose; the latest row per purpose is the current state."""
