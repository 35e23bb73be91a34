"""Tune sweeps behind ``python -m rllib_nethack.tune``.

* :mod:`.spec` - the ``sweep`` config as Tune's search space, scheduler and metric;
* :mod:`.trial` - one trial: the training loop as a Tune function trainable;
* :mod:`.summary` - ``summary.json``/``.csv`` and every trial's curve;
* :mod:`.tuning` - checks, Ray, Tune, summary.
"""
