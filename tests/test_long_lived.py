"""services/long_lived.settled: what is alive on entry is left out of full collections, and only for the block;
what is made inside is collected as usual."""

import gc
import weakref

from fileexam.services.long_lived import settled


class Node:
    pass


def test_settled__old_objects_frozen_for_the_block__new_cycles_still_collected():
    before = Node()
    assert gc.get_freeze_count() == 0
    with settled():
        assert gc.get_freeze_count() > 0 and gc.is_tracked(before)
        cycle = Node()
        cycle.me = cycle
        gone = weakref.ref(cycle)
        del cycle
        gc.collect()
        assert gone() is None  # a cycle made inside the block is collected
    assert gc.get_freeze_count() == 0


def test_settled__unfrozen_when_the_block_raises():
    try:
        with settled():
            raise ValueError("boom")
    except ValueError:
        pass
    assert gc.get_freeze_count() == 0
