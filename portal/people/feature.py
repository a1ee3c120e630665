"""What the data subject brings: the Person table every other feature points at."""
from portal.people import models

__all__ = ["models"]  # what this feature declares
