"""`read_ahead` makes the next item on a thread while the caller holds this one, and cleans up."""
import threading

import pytest

from onboarding.core.db import read_ahead

WAIT = 5  # seconds: far beyond what making an item takes here


def test_items_come_in_order_each_made_on_the_reading_thread():
    made_on = []

    def items():
        for n in range(5):
            made_on.append(threading.current_thread().name)
            yield n

    with read_ahead(items()) as ahead:
        assert list(ahead) == [0, 1, 2, 3, 4]
    assert len(made_on) == 5 and all(name.startswith("read-ahead") for name in made_on)


def test_the_next_item_is_made_while_the_caller_holds_this_one_and_no_further():
    started = [threading.Event() for _ in range(4)]
    made = []

    def items():
        for n in range(4):
            started[n].set()
            made.append(n)
            yield n

    with read_ahead(items()) as ahead:
        assert next(ahead) == 0
        # the caller is still on item 0: the thread goes on to item 1 by itself ...
        assert started[1].wait(WAIT)
        # ... and stops there: two items held at most
        assert not started[2].wait(0.2)
        assert made == [0, 1]
        assert next(ahead) == 1
        assert started[2].wait(WAIT)


def test_an_error_making_an_item_is_raised_when_the_caller_asks_for_that_item():
    def items():
        yield "first"
        yield "second"
        raise LookupError("the third could not be made")

    got = []
    with pytest.raises(LookupError, match="the third"):
        with read_ahead(items()) as ahead:
            for item in ahead:
                got.append(item)
    assert got == ["first", "second"]


@pytest.mark.parametrize("how", ["break", "error"])
def test_leaving_early_closes_the_items_on_the_reading_thread(how):
    closed_on = []

    def items():
        try:
            n = 0
            while True:
                yield n
                n += 1
        finally:
            closed_on.append(threading.current_thread().name)

    class Stop(Exception):
        pass

    try:
        with read_ahead(items()) as ahead:
            for n in ahead:
                if n == 2:
                    if how == "error":
                        raise Stop
                    break
    except Stop:
        pass
    assert len(closed_on) == 1 and closed_on[0].startswith("read-ahead")


def test_nothing_to_read_gives_nothing():
    with read_ahead(iter([])) as ahead:
        assert list(ahead) == []
