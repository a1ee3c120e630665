"""Links that leave the site (e-mails): built from BASE_URL, never from the Host header."""
from flask import current_app, url_for


def external_url(endpoint_or_path, **values):
    """An absolute URL on the configured BASE_URL for an endpoint or an on-site path."""
    path = endpoint_or_path if endpoint_or_path.startswith("/") else url_for(endpoint_or_path, **values)
    return current_app.config["BASE_URL"].rstrip("/") + path
