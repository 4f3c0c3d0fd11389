"""`without_cycle_collection` holds the cycle collector back for a block and always gives it back."""
import gc

import pytest

from onboarding.core.memory import without_cycle_collection


class Node:
    def __init__(self):
        self.me = self  # a reference cycle: only the cycle collector frees it


def test_the_collector_is_off_inside_and_on_after_with_the_block_cycles_freed():
    assert gc.isenabled()
    before = gc.get_count()[0]
    with without_cycle_collection():
        assert not gc.isenabled()
        nodes = [Node() for _ in range(5000)]
        del nodes
        # nothing collected them inside the block: 5000 allocations are still counted
        assert gc.get_count()[0] >= before + 5000
        alive = sum(isinstance(o, Node) for o in gc.get_objects())
        assert alive == 5000
    assert gc.isenabled()
    assert not any(isinstance(o, Node) for o in gc.get_objects())


def test_an_error_in_the_block_gives_the_collector_back():
    with pytest.raises(RuntimeError), without_cycle_collection():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_collector_already_off_stays_off():
    gc.disable()
    try:
        with without_cycle_collection():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_block_can_collect_each_steps_cycles_while_the_collector_stays_off():
    with without_cycle_collection() as collect:
        nodes = [Node() for _ in range(5000)]
        del nodes
        collect()
        assert not gc.isenabled()
        assert not any(isinstance(o, Node) for o in gc.get_objects())
