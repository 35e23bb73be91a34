"""A run on disk and the Ray it runs on: the ground floor training, sweeps and evaluation share.

* :mod:`.layout` - the names inside a run directory;
* :mod:`.checkpoints` - where checkpoints go, which is the latest, atomic saves, manifests;
* :mod:`.atomic` - result files written whole or not at all, a failed write in one line;
* :mod:`.storage` - run directories at a URI (staging mirror, upload, fetch for resume);
* :mod:`.ray_start` - starting an embedded Ray on loopback, or joining a cluster.
"""
