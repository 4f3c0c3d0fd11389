"""The outbox tests deliver to the same real SMTP server on loopback as the reminder tests."""
from tests.reminders.conftest import person, smtp  # noqa: F401  (fixtures)
