"""Documents: CV, certificates and profile photo, encrypted at rest."""
