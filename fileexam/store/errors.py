"""Errors of the inspection file, separate so the command line can name them without importing SQLite helpers."""


class StoreError(Exception):
    """A problem with an inspection file, said so that a user knows what to do."""
