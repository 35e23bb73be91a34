"""Large CPU tensors on transparent huge pages, so a CPU learner's update is not page faults.

glibc serves every allocation above 32 MB with a fresh ``mmap`` and unmaps it
on free, so each learner update faults in every 4 KiB page of its large
activations anew. On the MiniHack model, whose glyph-map embedding and first
convolution over a 1,024-step batch are about 100 MB each, that is ~173k page
faults per forward and backward pass of that encoder and more than a third of
its CPU time spent in the kernel (benchmarks/RESULTS.md, "Training throughput
(MiniHack)"). PyTorch puts CPU allocations of 2 MB and more on transparent huge
pages when ``THP_MEM_ALLOC_ENABLE`` is set: 512 times fewer faults. It reads the
variable once, at its first allocation, so it must be set before ``torch`` is
imported; the Ray processes a run starts inherit it.
"""

from __future__ import annotations

import os

#: PyTorch's switch for transparent huge pages in its CPU allocator.
THP_ENV = "THP_MEM_ALLOC_ENABLE"


def prefer_huge_pages() -> None:
    """Turn PyTorch's huge-page CPU allocations on for this process and the ones it
    starts, unless the environment already says (``THP_MEM_ALLOC_ENABLE=0`` keeps them off).

    Harmless where the kernel has transparent huge pages off: the allocations
    are then ordinary pages, as before.
    """
    os.environ.setdefault(THP_ENV, "1")
