"""What the audit trail brings: the hash-chained event table."""
from portal.audit import models

__all__ = ["models"]  # what this feature declares
