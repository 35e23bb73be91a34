"""APPO, IMPALA and PPO: RLlib's algorithms with our learner classes.

* :mod:`.learners` - the learners;
* :mod:`.switches` - their on/off switches for before/after runs (no RLlib, for the config check);
* :mod:`.vtrace` - the V-trace bootstrap RLlib drops at a cut chunk's end;
* :mod:`.connectors` - learner connectors: packed LSTM sequences, reward clipping,
  advantage standardisation;
* :mod:`.learner_queue` - APPO's learner queue that waits instead of polling.
"""
