"""Python's cycle collector, held back during each step of a batch job."""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Run the block with the cycle collector off, then collect the young objects once.

    A batch of digests makes a few hundred thousand short-lived objects (rows, lines, strings,
    mails). Reference counting frees them as soon as they are dropped, but every 700 new objects
    the cycle collector ran as well, and its older generations walked every object the process
    holds (the app, SQLAlchemy's metadata, the batch in hand) again and again: a fifth of a round
    for next to no garbage. One collection of the young generations at the end of the block frees
    whatever cycles it made, so memory stays that of one batch. The switch is the process's: other
    threads (the scheduler's) go without the collector for that fraction of a second too, which
    costs them nothing but the same delay.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(1)
