"""What every concept's commands share: a one-line error for the user, never a traceback."""
from __future__ import annotations

import sys
from typing import NoReturn

import click


def fail(message: str, code: int = 1) -> NoReturn:
    """Print a one-line error to stderr and exit non-zero (no traceback for the user)."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)
