"""Python's cyclic garbage collector, told to leave alone what a command has finished building.

Each full collection walks every container object alive. Once the report's figures are made (half a
million rows and their tuples at 100,000 cases), the coverage and the workbook's writing allocate enough
to set off full collections that walked them again and again: 1.1 s of the report at 100,000 cases.
The figures hold no reference cycles, so there is nothing in them to collect; what is made inside the
block is collected as usual."""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def settled():
    """Objects alive on entry are left out of collections until the block ends (gc.freeze)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
