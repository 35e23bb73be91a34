"""Fixtures shared by the whole test suite.

* ``ray_local``: one real local Ray instance for the session, bound to loopback
  (tests that need Ray take it; the others never start Ray).
* ``make``: :func:`rllib_nethack.make_env` that closes every env it built when
  the test ends (each NLE env holds a NetHack instance and a temp directory).
* ``rollout``: play an env with a fixed, seeded random action script.
* ``untrained_checkpoint``: a freshly built (untrained) MiniHack module saved
  the way a training run saves it, plus its run config: the policy layer,
  evaluation and the commands run on it in seconds, without Ray or training.
* ``tty_checkpoint``: a BC checkpoint of ``chaotic_dwarf_tty`` on ``challenge``, without Ray.
* ``short_dirs``: new directories under /tmp with short paths, for Ray's temp dirs
  (its socket paths must fit AF_UNIX's 107 bytes; pytest's own, deeper under
  pytest-xdist's worker folders, do not).
* ``nle_games``: a folder of real NLE savedirs (ttyrecs and xlogfile) of a few
  seeded random ``challenge`` games, as ``nle.dataset`` reads them.

Long tests carry ``@pytest.mark.slow``; the quick lane is ``pytest -m "not slow"``.
Every test that takes ``ray_local`` is slow too (starting Ray alone takes seconds).

Scheduling under ``pytest -n 2``: the longest tests carry
``@pytest.mark.slow(seconds=N)``, a rough figure used only to start them first,
so that no long test starts last while the other worker idles. (Not
``--dist loadgroup``: with pytest 9.2 its ``xdist_group`` marks are silently
ignored, pytest-dev/pytest-xdist#1386.)
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

from rllib_nethack import make_env


def pytest_configure(config: pytest.Config) -> None:
    # Declared in pyproject too; repeated so that `--strict-markers` also works
    # when pytest runs with another rootdir or config file.
    config.addinivalue_line(
        "markers", "slow: long tests (all MiniHack ids, longer training); run with -m slow"
    )


@pytest.hookimpl(tryfirst=True)  # before `-m "not slow"` deselects by mark
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "ray_local" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: -_expected_seconds(item))  # stable: the rest keep their order


def _expected_seconds(item: pytest.Item) -> float:
    """The ``seconds=`` of the test's closest ``slow`` mark (0 without one)."""
    mark = item.get_closest_marker("slow")
    return float(mark.kwargs.get("seconds", 0)) if mark is not None else 0.0


@pytest.fixture(scope="session")
def ray_local() -> Iterator[Any]:
    """A real local Ray instance (2 CPUs, no dashboard, loopback only) for the session,
    started the way `python -m rllib_nethack.run` starts its embedded instance."""
    import ray

    from rllib_nethack.config import compose_config
    from rllib_nethack.runs.ray_start import init_ray

    cluster = compose_config(["+task=room5x5", "cluster.num_cpus=2"]).cluster
    init_ray(cluster)
    try:
        yield ray
    finally:
        ray.shutdown()


@pytest.fixture(scope="session")
def short_dirs() -> Iterator[Callable[[str], Path]]:
    """``short_dirs(prefix)``: a new, empty directory ``/tmp/<prefix>XXXXXXXX``,
    removed at the end of the session."""
    made: list[Path] = []

    def _make(prefix: str) -> Path:
        made.append(Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp")))
        return made[-1]

    yield _make
    for path in made:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def untrained_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Room-5x5 run directory with one untrained checkpoint (``checkpoints/iter_000001``)."""
    from rllib_nethack.testing.untrained import write_untrained_checkpoint  # torch, RLlib: lazily

    run_dir = tmp_path_factory.mktemp("untrained") / "run"
    return write_untrained_checkpoint(
        run_dir / "checkpoints" / "iter_000001",
        ["+task=room5x5", "debug=smoke", "model.rnn_size=32"],
    )


@pytest.fixture(scope="session")
def nle_games(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The parent of one NLE savedir holding three finished ``challenge`` games
    (random keys until death: about a second in all).

    Only a game NetHack ends itself (death, quit) gets an xlogfile line, which
    ``nle.dataset`` needs; a game cut by the step limit, or saved by random keys
    (``S``, ``y``), gets none. So games are played until three have their line.
    """
    root = tmp_path_factory.mktemp("nle_games")
    savedir = root / "savedir"
    env = gym.make("NetHackChallenge-v0", savedir=str(savedir), save_ttyrec_every=1)
    rng = np.random.default_rng(0)

    def finished() -> int:
        return sum(len(f.read_text().splitlines()) for f in savedir.glob("*xlogfile"))

    try:
        for seed in range(20):
            if finished() >= 3:
                break
            env.reset(seed=seed)
            done = False
            while not done:
                _, _, terminated, truncated, _ = env.step(int(rng.integers(env.action_space.n)))
                done = terminated or truncated
    finally:
        env.close()
    assert finished() == 3, f"{finished()} finished games in {savedir}"
    return root


@pytest.fixture(scope="session")
def tty_checkpoint(tmp_path_factory: pytest.TempPathFactory, nle_games: Path) -> Path:
    """A checkpoint as a BC run on ``challenge`` leaves it (``chaotic_dwarf_tty``,
    ``rnn_size=16``): its run config and policy module (random weights stand in
    for trained ones), made without Ray."""
    from omegaconf import OmegaConf

    from rllib_nethack.config import build_algorithm_config, compose_config
    from rllib_nethack.runs.layout import MODULE_PATH, RLLIB_MARKER, RUN_CONFIG
    from rllib_nethack.training.trainer import build_module

    checkpoint = tmp_path_factory.mktemp("bc") / "checkpoints" / "iter_000001"
    cfg = compose_config(
        [
            "+task=challenge",
            "algo=bc",
            "model=chaotic_dwarf_tty",
            "model.rnn_size=16",
            f"dataset.path={nle_games}",
            f"dataset.db={checkpoint.parent.parent / 'nld.db'}",
        ]
    )
    module = build_module(build_algorithm_config(cfg))
    module.save_to_path(str(checkpoint / MODULE_PATH))
    (checkpoint / RLLIB_MARKER).write_text("{}")
    OmegaConf.save(cfg, checkpoint / RUN_CONFIG, resolve=True)
    return checkpoint


@pytest.fixture
def make() -> Iterator[Callable[..., gym.Env]]:
    """``make(task, **options)``: build an env and close it when the test ends."""
    envs: list[gym.Env] = []

    def _make(task: str, **options: Any) -> gym.Env:
        env = make_env(task, **options)
        envs.append(env)
        return env

    yield _make
    for env in envs:
        env.close()


@dataclass
class Rollout:
    """What one scripted episode (or a part of one) produced."""

    observations: list[dict[str, np.ndarray]] = field(default_factory=list)
    actions: list[int] = field(default_factory=list)
    rewards: list[float] = field(default_factory=list)
    terminated: list[bool] = field(default_factory=list)
    truncated: list[bool] = field(default_factory=list)
    infos: list[dict[str, Any]] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return bool(self.terminated and (self.terminated[-1] or self.truncated[-1]))


def play(
    env: gym.Env,
    steps: int,
    action_seed: int = 0,
    reset_kwargs: dict[str, Any] | None = None,
    actions: list[int] | None = None,
) -> Rollout:
    """Reset ``env`` and take ``steps`` actions (random from ``action_seed``, or ``actions``).

    Stops early when the episode ends. Observations are the env's own arrays:
    a test that relies on them staying untouched is testing the env's copying.
    """
    rng = np.random.default_rng(action_seed)
    obs, info = env.reset(**(reset_kwargs or {}))
    out = Rollout(observations=[obs], infos=[info])
    n = int(env.action_space.n)  # type: ignore[attr-defined]
    script = actions if actions is not None else [int(rng.integers(n)) for _ in range(steps)]
    for action in script[:steps]:
        obs, reward, terminated, truncated, info = env.step(action)
        out.observations.append(obs)
        out.actions.append(action)
        out.rewards.append(float(reward))
        out.terminated.append(bool(terminated))
        out.truncated.append(bool(truncated))
        out.infos.append(info)
        if terminated or truncated:
            break
    return out


@pytest.fixture
def rollout() -> Callable[..., Rollout]:
    """The :func:`play` helper, as a fixture (test modules do not import conftest)."""
    return play
