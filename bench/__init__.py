"""Benchmarks: `make bench`. Each generates its own data in a throw-away SQLite database."""
