"""Scaffolding for tests and benchmarks, not for training runs.

* :mod:`.loopback_cluster` - head and worker Ray nodes on 127.0.0.1;
* :mod:`.untrained` - checkpoints of untrained models, laid out as training writes them;
* :mod:`.sampling` - random observations and stacked sequences for model tests.

Shipped in the wheel so that the installed package's tests and benchmarks run.
"""
