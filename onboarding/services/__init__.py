"""Domain actions as plain functions. They may add and flush, never commit: the caller commits once."""


class ServiceError(ValueError):
    """A user-facing refusal: the message says what is wrong and what to do."""
