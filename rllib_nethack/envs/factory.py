"""The one ``make_env``: task name + options -> a ready gymnasium env.

Training, evaluation, the keystroke interface and the tests all build their
environments here, so the wrapper stack cannot drift between them.

The stack, from the inside out:

1. the task's NLE/MiniHack class, asked only for the raw observations needed
   (NLE fills and copies every observation it is asked for on every step, so
   asking for less makes the base env faster);
2. :class:`SeedingWrapper`: ``reset(seed=...)`` replays games, seed ranges;
3. :class:`TruncationWrapper`: a step limit truncates, a death terminates;
4. :class:`EpisodeStatsWrapper`: NetHack statistics at episode end, and
   :class:`EpisodicCountWrapper` for the ``count_bonus`` option;
5. :class:`ObservationKeysWrapper`: the chosen keys, copied out of NLE's buffers;
6. :class:`ScreenImageWrapper` and :class:`PrevActionWrapper` when asked for;
7. :class:`ActionCheckWrapper`: a bad action or a step after ``close()`` is one
   clear error naming the action space, not NLE's ``IndexError``.
8. :class:`RenderWrapper` for a ``render_mode`` (``ansi``, ``rgb_array``).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import gymnasium as gym
from nle import nethack

from rllib_nethack.envs.catalog import TaskSpec, get_task, import_minihack
from rllib_nethack.envs.options import (
    DERIVED_KEYS,
    EnvOptions,
    default_observation_keys,
    parse_options,
)
from rllib_nethack.envs.wrappers import (
    ActionCheckWrapper,
    EpisodeStatsWrapper,
    EpisodicCountWrapper,
    ObservationKeysWrapper,
    PrevActionWrapper,
    RenderWrapper,
    ScreenImageWrapper,
    SeedingWrapper,
    TruncationWrapper,
)
from rllib_nethack.envs.wrappers.screen_image import TTY_KEYS
from rllib_nethack.errors import ConfigError


def make_env(task: str, **options: Any) -> gym.Env:
    """Build the environment of ``task`` with ``options``.

    Args:
        task: A name from :func:`rllib_nethack.list_tasks`, an alias
            (``room5x5``) or a gymnasium id (``NetHackChallenge-v0``).
        **options: See :class:`rllib_nethack.envs.options.EnvOptions`
            (``character``, ``max_episode_steps``, ``observation_keys``,
            ``penalty_step``, ``penalty_time``, ``savedir``, ``save_ttyrec_every``,
            ``actions``, ``seeds``, ``crop_dim``, ``pixel_size``,
            ``fix_moon_phase``, ``env_kwargs``, ``render_mode``).

    Returns:
        A gymnasium env with a ``Dict`` observation space and a ``Discrete``
        action space that passes ``gymnasium.utils.env_checker.check_env``.

    Raises:
        UnknownTaskError: ``task`` is not a task (the message names the closest ones).
        ConfigError: an option is unknown or has a bad value (the message names it).
    """
    spec = get_task(task)
    opts = parse_options(spec, options)
    keys = opts.observation_keys or default_observation_keys(spec)
    raw_keys = [k for k in keys if k not in DERIVED_KEYS]
    wants_image = "screen_image" in keys
    copied = raw_keys + [k for k in TTY_KEYS if wants_image and k not in raw_keys]

    # Rendering draws the terminal NLE tracks: ask NLE for it, without adding it
    # to the observations.
    rendered = [k for k in TTY_KEYS if opts.render_mode and k not in copied]
    base = env = _make_base_env(spec, opts, copied + rendered)
    try:
        env = SeedingWrapper(env, seeds=opts.seeds)
        env = TruncationWrapper(env)
        env = EpisodeStatsWrapper(env)
        if opts.count_bonus is not None:
            env = EpisodicCountWrapper(env, on=opts.count_bonus)
        env = ObservationKeysWrapper(env, copied)
        if wants_image:
            env = ScreenImageWrapper(env, crop_dim=opts.crop_dim, pixel_size=opts.pixel_size)
        if "prev_action" in keys:
            env = PrevActionWrapper(env)
        if len(copied) != len(raw_keys):  # tty observations fetched only to draw the image
            env = ObservationKeysWrapper(env, list(keys), copy=False)
        env = ActionCheckWrapper(env)
        if opts.render_mode is not None:
            env = RenderWrapper(env, opts.render_mode)
    except BaseException:
        base.close()  # NetHack holds a temp dir and a C game; do not leak them
        raise
    return env


def step_limit(task: str, **options: Any) -> int:
    """The steps after which ``task``'s episodes are cut, with ``options``.

    NLE and MiniHack set each task's limit in its class (MiniHack-Room-5x5: 100,
    Corridor-R2: 1,000), not in gymnasium's registry, so the env is built to read it.
    """
    env = make_env(task, **options)
    try:
        return int(env.unwrapped._max_episode_steps)  # type: ignore[attr-defined]
    finally:
        env.close()


def base_env_kwargs(spec: TaskSpec, opts: EnvOptions, raw_keys: list[str]) -> dict[str, Any]:
    """Constructor keyword arguments of the task's NLE/MiniHack class."""
    kwargs: dict[str, Any] = {
        "observation_keys": tuple(raw_keys),
        "fix_moon_phase": opts.fix_moon_phase,
    }
    if opts.character is not None:
        kwargs["character"] = opts.character
    if opts.max_episode_steps is not None:
        kwargs["max_episode_steps"] = opts.max_episode_steps
    if opts.penalty_step is not None:
        kwargs["penalty_step"] = opts.penalty_step
    if opts.penalty_time is not None:
        kwargs["penalty_time"] = opts.penalty_time
    if opts.save_ttyrec_every:
        kwargs["savedir"] = opts.savedir
        kwargs["save_ttyrec_every"] = opts.save_ttyrec_every
    if opts.actions == "full" and not spec.full_keyboard:
        kwargs["actions"] = nethack.ACTIONS
    kwargs.update(opts.env_kwargs)
    return kwargs


def _make_base_env(spec: TaskSpec, opts: EnvOptions, raw_keys: list[str]) -> gym.Env:
    if spec.family == "minihack":
        import_minihack()
    kwargs = base_env_kwargs(spec, opts, raw_keys)
    registered = gym.spec(spec.env_id)
    # Handed to gym.make directly, max_episode_steps would become a TimeLimit
    # wrapper that cuts episodes without NLE knowing (the game would go on).
    # In the spec's kwargs it reaches NLE, which ends the game properly.
    env_spec = replace(registered, kwargs={**registered.kwargs, **kwargs}, max_episode_steps=None)
    try:
        return gym.make(env_spec, disable_env_checker=True)
    except ModuleNotFoundError as err:
        # MiniHack's way of saying a task needs data or packages that are missing.
        raise ConfigError(f"task {spec.name!r} cannot be built here: {err}") from None
    except TypeError as err:
        # An env_kwargs key the class does not take: name it, not NLE's internals.
        bad = re.search(r"(?:unexpected|multiple values for) keyword argument '(\w+)'", str(err))
        if bad:
            raise ConfigError(
                f"option env_kwargs.{bad.group(1)} is not an argument of task "
                f"{spec.name!r} ({spec.env_id})"
            ) from None
        raise ConfigError(
            f"task {spec.name!r} ({spec.env_id}) rejected its arguments: {err}"
        ) from None
