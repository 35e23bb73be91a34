"""``algo=bc``: RLlib's BC (MARWIL with beta 0) over ``nle.dataset`` with our learner.

The algorithm is RLlib's; what changes is where batches come from
(:class:`~.offline_data.NLDOfflineData`), the learner
(:class:`~.learner.NetHackBCTorchLearner`), and the training step, which hands
the learner one whole ``B x T`` minibatch per update (RLlib's would cut it into
``train_batch_size_per_learner`` rows, breaking the lanes' continuity).
"""

from __future__ import annotations

from typing import Any

from ray.rllib.algorithms.bc import BC, BCConfig
from ray.rllib.core.learner.learner import Learner
from ray.rllib.utils.checkpoints import Checkpointable
from ray.rllib.utils.metrics import (
    ENV_RUNNER_RESULTS,
    LEARNER_RESULTS,
    LEARNER_UPDATE_TIMER,
    OFFLINE_SAMPLING_TIMER,
    TIMERS,
)
from ray.rllib.utils.metrics import NUM_ENV_STEPS_SAMPLED_LIFETIME as ENV_STEPS

from rllib_nethack.algorithms.bc.learner import NetHackBCTorchLearner
from rllib_nethack.algorithms.bc.offline_data import NLDOfflineData
from rllib_nethack.metrics.result_keys import UNMAPPED_KEYS


class NetHackBCConfig(BCConfig):
    """RLlib's ``BCConfig`` reading ``nle.dataset`` (``dataset_settings``) with our learner."""

    def __init__(self, algo_class: Any = None) -> None:
        super().__init__(algo_class=algo_class or NetHackBC)
        #: Where the games are and how they are batched (the run config's ``dataset``
        #: section, plus the task's ``action_keys``); set by the translation.
        self.dataset_settings: dict[str, Any] = {}
        self.offline_data_class = NLDOfflineData  # type: ignore[assignment]
        self.dataset_num_iters_per_learner = 1  # type: ignore[assignment]

    def get_default_learner_class(self) -> type[Learner]:
        return NetHackBCTorchLearner

    def validate(self) -> None:
        super().validate()
        if self.num_learners > 1:
            self._value_error(
                "algo=bc trains on one learner (each lane's LSTM state lives in it); "
                "set cluster.rllib.num_learners to 0 or 1"
            )


class NetHackBC(BC):
    """BC whose training step updates on one whole ttyrec minibatch at a time."""

    @classmethod
    def get_default_config(cls) -> NetHackBCConfig:
        return NetHackBCConfig()

    def restore_from_path(self, path: Any, *args: Any, **kwargs: Any) -> None:
        # RLlib's then syncs the env runners' weights, and an offline algorithm
        # has none (RLlib 2.60 fails there); evaluation reads the learner's weights.
        Checkpointable.restore_from_path(self, path, *args, **kwargs)

    def training_step(self) -> None:
        offline_data, learners, metrics = self.offline_data, self.learner_group, self.metrics
        assert isinstance(offline_data, NLDOfflineData)
        assert learners is not None and metrics is not None
        with metrics.log_time((TIMERS, OFFLINE_SAMPLING_TIMER)):
            batch = offline_data.sample(num_samples=0)
        frames = batch.env_steps()
        # Dataset frames trained on stand where an online algorithm counts env
        # steps: progress rows, stop.env_steps and a resumed run's counter read them.
        for key in (ENV_STEPS, (ENV_RUNNER_RESULTS, ENV_STEPS)):
            metrics.log_value(key, frames, reduce="lifetime_sum")
        metrics.log_value(UNMAPPED_KEYS, offline_data.unmapped_keys, window=1)
        with metrics.log_time((TIMERS, LEARNER_UPDATE_TIMER)):
            results = learners.update(batch=batch, timesteps={ENV_STEPS: metrics.peek(ENV_STEPS)})
            metrics.aggregate(results, key=LEARNER_RESULTS)
