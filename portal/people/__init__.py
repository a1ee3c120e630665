"""The data subject: the person the portal holds data about, whichever feature met them first."""
