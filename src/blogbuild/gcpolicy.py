"""How often Python's cycle collector runs in blogbuild's processes.

CPython (up to 3.13) collects its youngest generation of container objects after every
700 net allocations, and older generations after every 10 collections of the one
below. A build allocates millions of containers and keeps many to its end (posts,
their HTML, comment threads, page contexts), so the collections of older generations
traverse an ever larger heap, while most of what a build discards is freed at once by
reference counting. Measured on the 1,000-post benchmark archive (bench/build.py), the
collector took 0.21 s of a one-edit rebuild's main process, and 0.8 s (main process)
and 0.6 s (its worker) of a cold build; with the youngest generation collected after
100,000 allocations, 0.06 s, 0.4 s and 0.5 s. The cycles a build leaves (420,000
objects in a cold build on one process) are still collected, in larger batches: the
peak memory of the largest process grew by 4 MB (168 to 172 MB).
"""

from __future__ import annotations

import gc

YOUNG_ALLOCATIONS = 100_000
"""Net allocations of container objects between collections of the youngest
generation (CPython's default: 700 up to 3.13)."""


def collect_less() -> None:
    """Collect cycles less often in this process (it builds or serves a site)."""
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_ALLOCATIONS, older, oldest)
