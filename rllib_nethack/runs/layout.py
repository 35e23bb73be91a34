"""The names inside a run directory, shared by the checkpoint format and the storage mirror.

One module so that :mod:`.checkpoints` (which writes these files) and
:mod:`.storage` (which uploads and fetches them) agree without either
importing the other's logic.
"""

from __future__ import annotations

from pathlib import Path

#: File RLlib writes at the root of every algorithm checkpoint.
RLLIB_MARKER = "rllib_checkpoint.json"
#: Our copy of the composed config inside each checkpoint.
RUN_CONFIG = "run_config.yaml"
#: Sizes and SHA-256 digests of RLlib's files, written last (see ``checkpoints.write_manifest``).
MANIFEST = "manifest.json"
#: Ray's and RLlib's log lines of a run (driver and workers) unless ``verbose=true``.
RAY_LOG = "ray.log"
#: The folder of a run directory that holds its checkpoints (``iter_000001`` ...).
CHECKPOINTS_DIR = "checkpoints"
#: Where RLlib keeps the trained policy module inside a checkpoint.
MODULE_PATH = Path("learner_group", "learner", "rl_module", "default_policy")
