"""A staff login for an empty development database."""
from portal.auth.actions import create_user

STAFF_EMAIL = "staff@ressursbasen.no"


def load_demo_data(password):
    """The staff login that the printed demo logins start with."""
    create_user(STAFF_EMAIL, password, role="staff")
    return "staff", STAFF_EMAIL
