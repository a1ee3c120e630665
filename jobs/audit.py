"""Audit jobs: sealing new events into the hash chain."""
from jobs import with_app
from portal.audit import actions


@with_app
def seal_audit_trail():
    """Chain the audit events written since the last run, in id order."""
    return actions.seal()
