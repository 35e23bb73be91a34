"""Training machinery behind ``python -m rllib_nethack.run`` and ``.tune``.

* :mod:`.trainer` - the loop: build, train until a stop condition, save;
* :mod:`.checkpoints` - where checkpoints go, which is the latest, atomic saves;
* :mod:`.reporting` - progress lines, ``progress.csv``, TensorBoard, the curve;
* :mod:`.callbacks` - NetHack episode metrics in RLlib's results;
* :mod:`.connectors` - ConnectorV2 pieces for the learner (reward clipping);
* :mod:`.ray_start` - starting an embedded Ray or joining a cluster;
* :mod:`.sweeps` - the ``sweep`` config as Tune's search space, scheduler, metric;
* :mod:`.sweep_trial` - one sweep trial (the loop as a Tune function trainable);
* :mod:`.sweep_summary` - ``summary.json``/``.csv`` and every trial's curve;
* :mod:`.tuning` - ``python -m rllib_nethack.tune``: checks, Ray, Tune, summary.
* :mod:`.storage` - run directories at a URI (staging mirror, upload, fetch for resume);
* :mod:`.loopback_cluster` - head/worker Ray nodes on 127.0.0.1 for tests and benchmarks.

Nothing is imported here: each module pulls in Ray and torch, and entry points
import only what they use.
"""
