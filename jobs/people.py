"""Person registry jobs: finishing erasures that Redis missed, and tidying the document store."""
from jobs import with_app
from portal.people import registry


@with_app
def finish_erasures():
    """Remove Redis keys left by erasures made while Redis was down."""
    return registry.finish_erasures()


@with_app
def reconcile_files():
    """Remove stored files that no row names any more."""
    return registry.reconcile_files()
