"""The window fixtures live in tests/conftest.py, shared with the fault tests."""

from conftest import APP_USER as USER  # noqa: F401 - the user the tests' window belongs to
