"""The training loop behind ``python -m rllib_nethack.run``.

* :mod:`.trainer` - the loop: build, train until a stop condition, save;
* :mod:`.reporting` - progress lines, ``progress.csv``, TensorBoard, the curve;
* :mod:`.signals` - SIGTERM/Ctrl-C: finish the iteration, save, exit;
* :mod:`.evaluation` - seeded evaluation games every N iterations.

Nothing is imported here: each module pulls in Ray and torch, and entry points
import only what they use.
"""
