"""Python's cycle collector, held back during each step of a batch job."""
from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def without_cycle_collection() -> Iterator[Callable[[], None]]:
    """Run the block with the cycle collector off, then collect the young objects once; the block
    gets a function that collects them there and then (after each step of a long job).

    A batch of digests makes a few hundred thousand short-lived objects (rows, lines, strings,
    mails). Reference counting frees them as soon as they are dropped, but every 700 new objects
    the cycle collector ran as well, and its older generations walked every object the process
    holds (the app, SQLAlchemy's metadata, the batch in hand) again and again: a fifth of a round
    for next to no garbage. One collection of the young generations after each step frees
    whatever cycles it made, so memory stays that of one step. The switch is the process's: other
    threads (a reading thread, the scheduler's other jobs) go without the collector for as long
    as the block runs too, which costs them nothing but the same delay.
    """
    if not gc.isenabled():
        yield collect_young
        return
    gc.disable()
    try:
        yield collect_young
    finally:
        gc.enable()
        collect_young()


def collect_young() -> None:
    """Collect the youngest two generations: what a step made, not everything the process holds."""
    gc.collect(1)
