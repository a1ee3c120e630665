"""Privacy request jobs: building a copy, and the periodic relay and clean-up."""
from jobs import with_app
from portal.requests import actions, export


@with_app
def build_access_export(export_id):
    """Build the copy of one access request (a no-op when it is built or no longer wanted)."""
    return export.build(export_id)


@with_app
def relay_exports():
    """Queue again every copy still to be built, e.g. after Redis was down or a worker died."""
    return actions.relay_exports()


@with_app
def remove_unproven_requests():
    """Delete requests whose address was not proven within 24 hours, with what was typed."""
    return actions.remove_unproven()


@with_app
def expire_exports():
    """Delete copies after their five days."""
    return actions.expire_exports()
