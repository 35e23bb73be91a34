"""Scaffolding for tests and benchmarks, not for training runs.

* :mod:`.loopback_cluster` - head and worker Ray nodes on 127.0.0.1;
* :mod:`.untrained` - checkpoints of untrained models, laid out as training writes them;
* :mod:`.sampling` - random observations and stacked sequences for model tests;
* :mod:`.agents` - agents that misbehave on purpose (a game that hangs);
* :mod:`.levels` - small MiniHack levels that need exploring.

Shipped in the wheel so that the installed package's tests and benchmarks run.
"""
