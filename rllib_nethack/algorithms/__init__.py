"""The learning algorithms, each with its pieces together, on RLlib's current API stack.

* :mod:`.actor_critic` - APPO, IMPALA and PPO: RLlib's algorithms with our
  learners (V-trace bootstrap, packed sequences, a blocking learner queue);
* :mod:`.bc` - behavioural cloning from ttyrecs (RLlib's BC over ``nle.dataset``);
* :mod:`.exploration` - count, E3B, RIDE and RND bonuses for the actor-critic learners;
* :mod:`.muzero` - MuZero of our own: config, module, search, replay, learner;
* :mod:`.registry` - the one table: ``algo.name`` -> config, learner, module;
* :mod:`.optimizer` - the fused optimizer step every learner above mixes in.

Nothing is imported here: each module pulls in Ray and torch.
"""
