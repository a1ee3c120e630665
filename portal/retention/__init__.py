"""Retention: the catalog's periods enforced by RQ, every minute and every night."""
