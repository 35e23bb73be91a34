"""``MuZeroConfig`` / ``MuZero``: the algorithm on RLlib's current API stack.

One training step: the env runners act by search and return episode chunks
(with each step's search policy and value); the chunks go into the replay
buffer; once it holds ``learning_starts`` steps, ``replay_ratio`` times as many
samples as steps were just collected are drawn (prioritised) and trained on
by the learner group; the new priorities go back to the buffer and the new
weights to the env runners. Metrics are RLlib's usual ones, so everything
``rllib_nethack.run`` does with a result (stop conditions, checkpoints,
TensorBoard, NetHack metrics, the learning curve) works unchanged.
"""

from __future__ import annotations

import inspect
from collections.abc import Collection, Mapping
from dataclasses import fields
from typing import Any, cast

import numpy as np
from ray.rllib.algorithms.algorithm import Algorithm
from ray.rllib.algorithms.algorithm_config import AlgorithmConfig
from ray.rllib.core import DEFAULT_MODULE_ID
from ray.rllib.core.learner.learner import Learner
from ray.rllib.core.rl_module.rl_module import RLModuleSpec
from ray.rllib.env.single_agent_episode import SingleAgentEpisode
from ray.rllib.execution.rollout_ops import synchronous_parallel_sample
from ray.rllib.policy.sample_batch import MultiAgentBatch, SampleBatch
from ray.rllib.utils.metrics import (
    ENV_RUNNER_RESULTS,
    ENV_RUNNER_SAMPLING_TIMER,
    LEARNER_RESULTS,
    LEARNER_UPDATE_TIMER,
    NUM_AGENT_STEPS_SAMPLED_LIFETIME,
    NUM_ENV_STEPS_SAMPLED_LIFETIME,
    SYNCH_WORKER_WEIGHTS_TIMER,
    TIMERS,
)
from ray.rllib.utils.numpy import convert_to_numpy

from rllib_nethack.algorithms.muzero.learner import PRIORITIES_KEY, MuZeroTorchLearner
from rllib_nethack.algorithms.muzero.mcts import SearchSettings
from rllib_nethack.algorithms.muzero.module import (
    MUZERO_KEY,
    MUZERO_MODELS,
    MuZeroMiniHackModule,
    NetworkSettings,
)
from rllib_nethack.algorithms.muzero.replay import MuZeroReplayBuffer
from rllib_nethack.errors import ConfigError, suggestion

#: Search settings that are not algorithm settings: the discount is ``gamma``.
_NOT_CONFIG = frozenset({"discount", "bisection_steps"})

#: The algorithm-state key of the replay buffer's contents in a checkpoint.
REPLAY_STATE = "muzero_replay"


class MuZeroConfig(AlgorithmConfig):
    """MuZero's settings; every one is documented in ``conf/algo/muzero.yaml``."""

    def __init__(self, algo_class: type | None = None) -> None:
        super().__init__(algo_class=algo_class or MuZero)
        self.lr = 1e-3
        self.gamma = 0.99
        self.grad_clip = 5.0  # type: ignore[assignment]
        self.grad_clip_by = "global_norm"
        self.train_batch_size_per_learner = 128
        self.rollout_fragment_length = 32
        self.min_time_s_per_iteration = 10  # type: ignore[assignment]  # as IMPALA/APPO
        # The search's and the networks' settings, with their dataclasses' defaults
        # (gamma is the search's discount; the bisection depth is not a setting).
        for settings in (SearchSettings(), NetworkSettings()):
            for f in fields(settings):
                if f.name not in _NOT_CONFIG:
                    value = getattr(settings, f.name)
                    setattr(self, f.name, list(value) if isinstance(value, tuple) else value)
        self.commitment_loss_coeff = 1.0
        # Learning.
        self.num_unroll_steps = 5
        self.td_steps = 10
        self.value_loss_coeff = 0.25
        self.consistency_loss_coeff = 0.0
        self.entropy_coeff = 0.0
        self.reanalyze_fraction = 0.5
        self.reanalyze_search_fraction = 0.0
        self.target_update_interval = 0
        # Replay.
        self.replay_capacity = 100_000
        self.priority_alpha = 0.6
        self.priority_beta = 0.4
        self.learning_starts = 256
        self.replay_ratio = 2.0
        self.checkpoint_replay = True

    def training(self, **kwargs: Any) -> MuZeroConfig:
        """RLlib's ``training()``, also taking every MuZero setting by name."""
        base = inspect.signature(AlgorithmConfig.training).parameters
        own = {k: kwargs.pop(k) for k in list(kwargs) if k not in base}
        super().training(**kwargs)
        for key, value in own.items():
            if key not in vars(self):
                raise TypeError(f"{key!r} is not a MuZero setting{suggestion(key, vars(self))}")
            setattr(self, key, value)
        return self

    # ------------------------------------------------------------------ RLlib hooks
    def get_default_learner_class(self) -> type[Learner]:
        return MuZeroTorchLearner

    def get_default_rl_module_spec(self) -> RLModuleSpec:
        return RLModuleSpec(module_class=MuZeroMiniHackModule)

    @property
    def _model_config_auto_includes(self) -> dict[str, Any]:
        # The module reads its network and search settings from model_config.
        return super()._model_config_auto_includes | {MUZERO_KEY: self.module_settings()}

    def module_settings(self) -> dict[str, Any]:
        """The network and search settings, as the module's ``model_config`` carries them."""
        search = {
            f.name: getattr(self, f.name)
            for f in fields(SearchSettings)
            if f.name not in _NOT_CONFIG
        }
        search["discount"] = self.gamma
        network = {f.name: getattr(self, f.name) for f in fields(NetworkSettings)}
        return {"search": search, "network": network}

    def validate(self) -> None:
        super().validate()
        settings = self.module_settings()
        try:
            SearchSettings(**settings["search"])
            network = settings["network"]
            values: dict[str, Any] = {
                k: tuple(v) if isinstance(v, list) else v for k, v in network.items()
            }
            NetworkSettings(**values)
        except (TypeError, ValueError) as err:
            raise ValueError(f"MuZero: {err}") from None
        for name in ("num_unroll_steps", "td_steps", "train_batch_size_per_learner"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"MuZero: {name} must be >= 1, got {getattr(self, name)}")
        if int(self.target_update_interval) < 0:
            raise ValueError(
                f"MuZero: target_update_interval must be >= 0 (0: no target network), "
                f"got {self.target_update_interval}"
            )
        for name in ("reanalyze_fraction", "reanalyze_search_fraction"):
            if not 0.0 <= float(getattr(self, name)) <= 1.0:
                raise ValueError(f"MuZero: {name} must be in [0, 1], got {getattr(self, name)}")


class MuZero(Algorithm):
    """MuZero with Reanalyze, prioritised replay and the consistency loss."""

    config: MuZeroConfig
    replay: MuZeroReplayBuffer

    @classmethod
    def get_default_config(cls) -> MuZeroConfig:
        return MuZeroConfig()

    def setup(self, config: Any) -> None:
        super().setup(config)
        self.replay = MuZeroReplayBuffer(
            int(self.config.replay_capacity), float(self.config.priority_alpha), self.config.seed
        )

    def get_state(
        self,
        components: str | Collection[str] | None = None,
        *,
        not_components: str | Collection[str] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """RLlib's state plus the replay buffer (``checkpoint_replay``), so a resumed
        run trains on its old data at once instead of refilling from scratch."""
        state = super().get_state(components, not_components=not_components, **kwargs)
        if self.config.checkpoint_replay and self._check_component(
            REPLAY_STATE, components, not_components
        ):
            state[REPLAY_STATE] = self.replay.get_state()
        return state

    def set_state(self, state: dict[str, Any]) -> None:
        super().set_state(state)
        if REPLAY_STATE in state:
            self.replay.set_state(state[REPLAY_STATE])

    def training_step(self) -> None:
        c = self.config
        metrics, runners, learners = self.metrics, self.env_runner_group, self.learner_group
        assert metrics is not None and runners is not None and learners is not None
        with metrics.log_time((TIMERS, ENV_RUNNER_SAMPLING_TIMER)):
            sampled_episodes, runner_results = synchronous_parallel_sample(  # type: ignore[misc]
                worker_set=runners,
                concat=True,
                sample_timeout_s=c.sample_timeout_s,
                _uses_new_env_runners=True,
                _return_metrics=True,
            )
        episodes = cast(list[SingleAgentEpisode], sampled_episodes)
        metrics.aggregate(cast(list[dict[str, Any]], runner_results), key=ENV_RUNNER_RESULTS)
        self.replay.add(episodes)
        metrics.log_value("muzero_replay_steps", len(self.replay), window=1)
        if len(self.replay) < c.learning_starts:
            return
        sampled = sum(len(e) for e in episodes)
        batch_size = int(c.train_batch_size_per_learner)
        updates = max(1, round(sampled * float(c.replay_ratio) / batch_size))
        timesteps = {
            NUM_ENV_STEPS_SAMPLED_LIFETIME: metrics.peek(
                (ENV_RUNNER_RESULTS, NUM_ENV_STEPS_SAMPLED_LIFETIME), default=0
            ),
            NUM_AGENT_STEPS_SAMPLED_LIFETIME: metrics.peek(
                (ENV_RUNNER_RESULTS, NUM_AGENT_STEPS_SAMPLED_LIFETIME), default={}
            ),
        }
        for _ in range(updates):
            data, keys = self.replay.sample(
                batch_size,
                int(c.num_unroll_steps),
                int(c.td_steps),
                float(c.gamma),
                float(c.priority_beta),
                float(c.reanalyze_fraction),
                float(c.reanalyze_search_fraction),
            )
            train_batch = MultiAgentBatch(
                {DEFAULT_MODULE_ID: SampleBatch(data)}, env_steps=batch_size
            )
            with metrics.log_time((TIMERS, LEARNER_UPDATE_TIMER)):
                results = learners.update(batch=train_batch, timesteps=timesteps)
            priorities = []
            for result in results:
                module_results = result.get(DEFAULT_MODULE_ID, {})
                if PRIORITIES_KEY in module_results:
                    priorities.append(convert_to_numpy(module_results.pop(PRIORITIES_KEY).peek()))
            if priorities:
                values = np.concatenate(
                    [np.asarray(p, dtype=np.float64).ravel() for p in priorities]
                )
                if len(values) == len(keys):  # a single learner: rows in sample order
                    self.replay.update_priorities(keys, values)
            metrics.aggregate(results, key=LEARNER_RESULTS)
        with metrics.log_time((TIMERS, SYNCH_WORKER_WEIGHTS_TIMER)):
            runners.sync_weights(
                from_worker_or_learner_group=learners,
                policies=[DEFAULT_MODULE_ID],
                inference_only=True,
            )


def muzero_module_spec(model: str, model_config: Mapping[str, Any]) -> RLModuleSpec:
    """The MuZero module's spec over model ``model``'s encoder (ConfigError if none)."""
    try:
        module_class = MUZERO_MODELS[model]
    except KeyError:
        raise ConfigError(
            f"MuZero has no module for model {model!r}{suggestion(model, MUZERO_MODELS)}"
        ) from None
    return RLModuleSpec(module_class=module_class, model_config=dict(model_config))
