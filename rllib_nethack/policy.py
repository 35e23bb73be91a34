"""A trained agent as a plain Python object: checkpoint in, actions out.

:func:`load_policy` turns a checkpoint (or a run directory: its latest
checkpoint) into a :class:`Policy` that builds the task the agent was trained
on, with the same options, and chooses actions step by step, carrying the
LSTM state itself. It restores only the RLModule (RLlib's
``RLModule.from_checkpoint``) and never starts Ray, so evaluation, ``watch``,
benchmarks and a user's own script all turn a checkpoint into actions the same
way::

    policy = rllib_nethack.load_policy("runs/room5x5-minihack-appo/2026-01-01_00-00-00")
    env = policy.make_env()
    obs, info = env.reset(seed=0)
    state = None  # None starts an episode
    done = False
    while not done:
        action, state = policy.act(obs, state)
        obs, reward, terminated, truncated, info = env.step(action)
        done = terminated or truncated
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from numpy.typing import NDArray
from omegaconf import DictConfig

from rllib_nethack.config.plan import plan_from
from rllib_nethack.envs import make_env as _make_env
from rllib_nethack.envs.catalog import get_task
from rllib_nethack.errors import ConfigError
from rllib_nethack.runs.checkpoints import resolve_checkpoint, saved_config
from rllib_nethack.runs.modules import restore_module

#: Env options that shape what the model sees: they follow the checkpoint to
#: any task. The others (character, step limit, penalties, ...) are the game's
#: and stay with the checkpoint's own task.
OBSERVATION_OPTIONS = ("observation_keys", "actions", "crop_dim", "pixel_size")
#: Options never carried over from training: evaluation must not write
#: ttyrecs into places the training run chose.
_NOT_CARRIED = ("savedir", "save_ttyrec_every", "render_mode")

#: The recurrent state of a batch of episodes (opaque: pass back what ``act`` returned).
State = dict[str, torch.Tensor]


@dataclass
class Policy:
    """An agent restored from a checkpoint (see :func:`load_policy`).

    Attributes:
        module: The RLModule, in eval mode, on ``device``.
        checkpoint: The checkpoint directory it came from.
        task: The task it was trained on (canonical name).
        env_options: The options it was trained with (what :meth:`make_env` uses).
        greedy: Default action choice: the most likely action (True) or a sample.
        device: Where the module runs.
        config: The run config saved with the checkpoint.
    """

    module: Any
    checkpoint: Path
    task: str
    env_options: dict[str, Any]
    greedy: bool = True
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    config: DictConfig | None = None
    _rng: np.random.Generator = field(default_factory=np.random.default_rng, repr=False)

    # ------------------------------------------------------------------ envs
    def env_options_for(self, task: str | None = None, **options: Any) -> dict[str, Any]:
        """The options :meth:`make_env` builds ``task`` with (``options`` on top)."""
        same = task is None or get_task(task).name == self.task
        carried = {
            k: v
            for k, v in self.env_options.items()
            if k not in _NOT_CARRIED and (same or k in OBSERVATION_OPTIONS)
        }
        return {**carried, **options}

    def make_env(self, task: str | None = None, **options: Any) -> gym.Env:
        """The checkpoint's task with its options, or another ``task`` the model can play.

        Args:
            task: Another task (its own game options; the observation options
                follow the model). None: the checkpoint's task.
            **options: Env options on top (``character``, ``max_episode_steps``,
                ``render_mode``, ``savedir`` ...).

        Raises:
            ConfigError: an option is bad, or the model cannot read the task's
                observations or choose among its actions.
        """
        name = task if task is not None else self.task
        try:
            env = _make_env(name, **self.env_options_for(task, **options))
        except ConfigError as err:
            if task is None or get_task(task).name == self.task:
                raise
            raise ConfigError(f"task {name!r} cannot feed the checkpoint's model: {err}") from None
        try:
            self.check_env(env, name)
        except BaseException:
            env.close()
            raise
        return env

    def check_env(self, env: gym.Env, task: str = "this task") -> None:
        """Raise a ConfigError unless the model reads ``env``'s observations and actions."""
        wanted = self.module.observation_space
        given = env.observation_space
        assert isinstance(wanted, gym.spaces.Dict) and isinstance(given, gym.spaces.Dict)
        for key, space in wanted.spaces.items():
            have = given.spaces.get(key)
            if have is None:
                raise ConfigError(
                    f"the checkpoint's model reads observation {key!r}, which task {task!r} "
                    f"does not give (it gives: {', '.join(sorted(given.spaces))})"
                )
            if have.shape != space.shape or have.dtype != space.dtype:
                raise ConfigError(
                    f"the checkpoint's model reads observation {key!r} as {space.shape} "
                    f"{space.dtype}; task {task!r} gives {have.shape} {have.dtype}"
                )
        n_model = int(self.module.action_space.n)
        n_env = int(env.action_space.n)  # type: ignore[attr-defined]
        if n_model != n_env:
            raise ConfigError(
                f"the checkpoint's model chooses among {n_model} actions; task {task!r} has "
                f"{n_env} (try option actions=full, or a task with the same action set)"
            )

    # ------------------------------------------------------------------ acting
    def initial_state(self, batch: int = 1) -> State:
        """The recurrent state at the start of ``batch`` episodes (empty without an LSTM)."""
        state = self.module.get_initial_state()
        return {
            k: torch.as_tensor(np.asarray(v)).to(self.device).unsqueeze(0).repeat(batch, 1)
            for k, v in state.items()
        }

    def act(
        self,
        obs: Mapping[str, Any],
        state: State | None = None,
        greedy: bool | None = None,
        rng: np.random.Generator | None = None,
    ) -> tuple[int, State]:
        """The action for one observation, and the state to pass with the next one.

        Args:
            obs: One observation of an env from :meth:`make_env`.
            state: What the previous call returned; None at the start of an episode.
            greedy: Override :attr:`greedy` for this call.
            rng: Random numbers for sampling (default: the policy's own).
        """
        actions, state = self.act_batch([obs], state, greedy=greedy, rngs=[rng or self._rng])
        return int(actions[0]), state

    def act_batch(
        self,
        observations: Sequence[Mapping[str, Any]],
        state: State | None = None,
        greedy: bool | None = None,
        rngs: Sequence[np.random.Generator] | None = None,
    ) -> tuple[NDArray[np.int64], State]:
        """Actions for one observation of each of several episodes, in one forward pass.

        Args:
            observations: One observation per episode, in a fixed order.
            state: The batch's state from the previous call (rows in the same
                order); None: all episodes start now.
            greedy: Override :attr:`greedy` for this call.
            rngs: One generator per episode for sampling, so that a sampled
                episode does not depend on which others share its batch.
        """
        logits, state = self.logits(observations, state)
        if self.greedy if greedy is None else greedy:
            return logits.argmax(axis=-1).astype(np.int64), state
        generators = rngs or [self._rng] * len(observations)
        # Gumbel-max: a sample from softmax(logits), from each episode's own RNG.
        noise = np.stack([g.gumbel(size=logits.shape[-1]) for g in generators])
        return (logits + noise).argmax(axis=-1).astype(np.int64), state

    def logits(
        self, observations: Sequence[Mapping[str, Any]], state: State | None = None
    ) -> tuple[NDArray[np.float64], State]:
        """Action logits ``[B, num_actions]`` and the next state of a batch of episodes."""
        from ray.rllib.core.columns import Columns

        stateful = self.module.is_stateful()
        keys = list(self.module.observation_space.spaces)
        batch: dict[str, Any] = {}
        obs = {}
        for key in keys:
            array = torch.from_numpy(np.stack([np.asarray(o[key]) for o in observations]))
            array = array.to(self.device)
            obs[key] = array.unsqueeze(1) if stateful else array  # [B, T=1, ...]
        batch[Columns.OBS] = obs
        if stateful:
            batch[Columns.STATE_IN] = (
                state if state is not None else self.initial_state(len(observations))
            )
        with torch.no_grad():
            out = self.module.forward_inference(batch)
        logits = out[Columns.ACTION_DIST_INPUTS]
        if stateful:
            logits = logits[:, 0]
        next_state = out.get(Columns.STATE_OUT, {}) if stateful else {}
        return logits.double().cpu().numpy(), next_state

    def seed(self, seed: int) -> None:
        """Seed the policy's own RNG (sampled actions when no ``rng`` is given)."""
        self._rng = np.random.default_rng(seed)


def select_state(state: State, rows: Sequence[int] | NDArray[np.intp]) -> State:
    """The state of some episodes of a batch (after others ended)."""
    index = torch.as_tensor(np.asarray(rows, dtype=np.int64))
    return {k: v[index.to(v.device)] for k, v in state.items()}


def resolve_device(device: str | torch.device) -> torch.device:
    """``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"``, ``"cuda:1"`` ... as a device."""
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError:
        raise ConfigError(f"device must be auto, cpu or cuda[:N], got {device!r}") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device {device!r}: no CUDA GPU is available here (use device=cpu)")
    return resolved


def load_policy(
    checkpoint: str | os.PathLike[str],
    device: str | torch.device = "cpu",
    greedy: bool = True,
    seed: int | None = None,
) -> Policy:
    """Restore the agent of a checkpoint (or of a run directory's latest checkpoint).

    Args:
        checkpoint: A checkpoint directory (``.../checkpoints/iter_000010``) or
            a run directory (its latest checkpoint).
        device: ``cpu``, ``cuda``, ``cuda:N`` or ``auto``.
        greedy: Choose the most likely action (True) or sample from the policy.
        seed: Seed of the policy's RNG for sampled actions.

    Raises:
        ConfigError: the path holds no checkpoint, or one this package cannot read.
    """

    path = resolve_checkpoint(checkpoint, what="checkpoint")
    cfg = _saved_config(path, saved_config)
    if cfg is None or not cfg.get("task") or not cfg.task.get("name"):
        raise ConfigError(
            f"checkpoint {path} has no run_config.yaml naming its task (was it written by "
            "python -m rllib_nethack.run?)"
        )
    module = restore_module(path)
    target = resolve_device(device)
    module.to(target)
    module.eval()
    plan = plan_from(cfg)
    options = dict(plan.env_options)
    # The model's own observations, so that another task gives it the same
    # keys (the run may have relied on the family's defaults).
    options.setdefault("observation_keys", list(module.observation_space.spaces))
    policy = Policy(
        module=module,
        checkpoint=path,
        task=plan.task.name,
        env_options=options,
        greedy=greedy,
        device=target,
        config=cfg,
    )
    if seed is not None:
        policy.seed(seed)
    return policy


def _saved_config(path: Path, reader: Any) -> DictConfig | None:
    try:
        return reader(path)  # type: ignore[no-any-return]
    except Exception as err:  # a YAML or OmegaConf parse error: name the file
        raise ConfigError(f"checkpoint {path}: cannot read run_config.yaml ({err})") from None
