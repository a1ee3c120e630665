"""A staff login and an administrator login for an empty development database."""
from portal.auth.actions import create_user

STAFF_EMAIL = "staff@ressursbasen.no"
ADMIN_EMAIL = "admin@ressursbasen.no"
SECOND_FACTOR_NOTE = ("Staff and admin log in with a second factor: at the first login the "
                      "portal shows a QR code (and the key as text) to add to an authenticator "
                      "app such as Microsoft or Google Authenticator or FreeOTP; type its "
                      "six-digit code and keep the recovery codes it shows.")


def load_demo_data(password):
    """The staff and administrator logins that the printed demo logins start with."""
    create_user(STAFF_EMAIL, password, role="staff")
    create_user(ADMIN_EMAIL, password, role="admin")
    return [("staff", STAFF_EMAIL), ("admin", ADMIN_EMAIL)]
