"""The learner's batch lines up: observation t, the action chosen on it, and its reward.

A policy trained on shifted rows can still learn a fixed direction (Room-5x5
has one), so learning curves alone cannot show this. Here a real env runner
plays MiniHack-Room-Random-5x5 (random start and stairs) and the episodes go
through the learner's own connector pipeline (clipping, bootstrap step,
packing); in the batch that comes out, every compass action moves the hero's
``blstats`` position from row t to row t+1 as the key says (or bumps a wall),
and every +1 reward is paid for the step onto the downstairs.
"""

from __future__ import annotations

import numpy as np
import pytest
from nle import nethack

from rllib_nethack import make_env
from rllib_nethack.config import build_algorithm_config
from rllib_nethack.config import compose_config as compose_run
from rllib_nethack.models.cores import RESETS

TASK = "MiniHack-Room-Random-5x5-v0"
#: MiniHack's navigation actions, in order: N E S W NE SE SW NW, as (dx, dy).
MOVES = [(0, -1), (1, 0), (0, 1), (-1, 0), (1, -1), (1, 1), (-1, 1), (-1, -1)]
DOWNSTAIRS = nethack.GLYPH_CMAP_OFF + 24  # S_dnstair


@pytest.mark.slow  # builds a learner and an env runner, plays ~600 steps: ~20 s
@pytest.mark.parametrize("algo", ["appo", "ppo"])
def test_observations_actions_and_rewards_line_up_in_the_learner_batch(algo: str) -> None:
    config = build_algorithm_config(
        compose_run([f"+task={TASK}", f"algo={algo}", "cluster.rllib.num_env_runners=0"])
    )
    env = make_env(TASK)
    assert [int(a) for a in env.unwrapped.actions] == [ord(k) for k in "kljhunby"]
    learner = config.build_learner(env=env)
    runner = config.env_runner_cls(config=config)
    try:
        episodes = runner.sample(num_timesteps=600, random_actions=False)
    finally:
        runner.stop()
    batch = learner._learner_connector(
        rl_module=learner.module, batch={}, episodes=episodes, shared_data={}, metrics=None
    )["default_policy"]

    def arr(x: object) -> np.ndarray:
        return np.asarray(x.detach().cpu() if hasattr(x, "detach") else x)  # type: ignore[attr-defined]

    blstats = arr(batch["obs"]["blstats"])
    glyphs = arr(batch["obs"]["glyphs"])
    actions, rewards = arr(batch["actions"]), arr(batch["rewards"])
    real, terminated = arr(batch["loss_mask"]).astype(bool), arr(batch["terminateds"])
    starts = arr(batch[RESETS]) if RESETS in batch else np.zeros_like(real)  # packed chunks
    xy = blstats[..., [nethack.NLE_BL_X, nethack.NLE_BL_Y]].astype(int)
    moved = bumped = paid = 0
    for row, t in zip(*np.nonzero(real), strict=True):
        dx, dy = MOVES[int(actions[row, t])]
        target = (xy[row, t, 0] + dx, xy[row, t, 1] + dy)
        if rewards[row, t] > 0.5:  # the +1: this step's action enters the stairs' square
            ys, xs = np.nonzero(glyphs[row, t] == DOWNSTAIRS)
            assert (int(xs[0]), int(ys[0])) == target, (row, t)
            paid += 1
            continue
        if terminated[row, t] or t + 1 >= real.shape[1] or starts[row, t + 1]:
            continue  # no next observation of this episode in the row
        step = tuple(xy[row, t + 1] - xy[row, t])
        if step == (0, 0):
            bumped += 1
        else:
            assert step == (dx, dy), (row, t, step, (dx, dy))
            moved += 1
    assert moved > 100 and paid >= 1, (moved, bumped, paid)
