"""What training and evaluation measure, in one vocabulary.

* :mod:`.callbacks` - NetHack/MiniHack episode metrics in RLlib's results
  (and :func:`~.callbacks.episode_metrics`, which evaluation uses too);
* :mod:`.result_keys` - where in RLlib's result dict each figure lives.
"""
