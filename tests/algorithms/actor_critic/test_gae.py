"""PPO's GAE on RLlib 2.60's batch layout, checked against a plain loop.

Finding: RLlib's GAE targets are right at every real step (cut and time-limited
chunks bootstrap from V(o_T), terminated ones do not); only the advantage
standardisation counts the appended bootstrap steps, which
:class:`StandardiseAdvantages` corrects.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from ray.rllib.connectors.learner import AddOneTsToEpisodesAndTruncate
from ray.rllib.core.columns import Columns
from ray.rllib.env.single_agent_episode import SingleAgentEpisode
from ray.rllib.evaluation.postprocessing import Postprocessing
from ray.rllib.utils.postprocessing.value_predictions import compute_value_targets

from rllib_nethack.algorithms.actor_critic.connectors import StandardiseAdvantages
from rllib_nethack.algorithms.actor_critic.learners import NetHackPPOTorchLearner
from rllib_nethack.config import build_algorithm_config
from rllib_nethack.config import compose_config as compose_run

GAMMA, LAMBDA = 0.9, 0.8
#: (length, terminated, truncated): cut, terminated, time limit, long cut.
KINDS = [(3, False, False), (2, True, False), (2, False, True), (6, False, False)]


def layout(rng: np.random.Generator) -> tuple[dict[str, np.ndarray], list[slice]]:
    """Flat columns as RLlib's GAE connector sees them, and each chunk's real rows."""
    episodes = [
        SingleAgentEpisode(
            observations=list(range(n + 1)),
            actions=[0] * n,
            rewards=rng.normal(0.0, 1.0, n).tolist(),
            terminated=term,
            truncated=trunc,
            len_lookback_buffer=0,
        ).to_numpy()
        for n, term, trunc in KINDS
    ]
    batch: dict = {}
    AddOneTsToEpisodesAndTruncate()(rl_module=None, batch=batch, episodes=episodes, shared_data={})
    cols: dict[str, list] = {"rewards": [], "terminateds": [], "truncateds": [], "loss_mask": []}
    real, start = [], 0
    for ep in episodes:
        key = (ep.id_,)
        cols["rewards"].extend(ep.get_rewards())
        for col in ("terminateds", "truncateds", "loss_mask"):
            cols[col].extend(batch[col][key])
        real.append(slice(start, start + len(ep) - 1))
        start += len(ep)
    out = {k: np.asarray(v, dtype=np.float32) for k, v in cols.items()}
    out["values"] = rng.normal(0.0, 2.0, start).astype(np.float32)
    return out, real


def reference_gae(rewards: np.ndarray, values: np.ndarray, terminated: bool) -> np.ndarray:
    """GAE (Schulman et al. 2016) advantages of one chunk as sums; ``values`` ends with V(o_T)."""
    n = len(rewards)
    disc = np.full(n, GAMMA)
    if terminated:
        disc[-1] = 0.0
    deltas = rewards + disc * values[1:] - values[:-1]
    return np.array(
        [sum((GAMMA * LAMBDA) ** (t - s) * deltas[t] for t in range(s, n)) for s in range(n)]
    )


@pytest.mark.parametrize("seed", [0, 1])
def test_rllib_gae_targets_match_the_plain_loop(seed: int) -> None:
    cols, real = layout(np.random.default_rng(seed))
    targets = compute_value_targets(
        values=cols["values"],
        rewards=cols["rewards"],
        terminateds=cols["terminateds"],
        truncateds=cols["truncateds"],
        gamma=GAMMA,
        lambda_=LAMBDA,
    )
    for rows, (_, terminated, _) in zip(real, KINDS, strict=True):
        values = cols["values"][rows.start : rows.stop + 1]  # + the bootstrap step
        advantages = reference_gae(cols["rewards"][rows], values, terminated)
        assert np.allclose(targets[rows], advantages + values[:-1], atol=1e-5)


def test_advantages_are_standardised_over_real_steps_only() -> None:
    cols, _ = layout(np.random.default_rng(3))
    targets = compute_value_targets(
        values=cols["values"],
        rewards=cols["rewards"],
        terminateds=cols["terminateds"],
        truncateds=cols["truncateds"],
        gamma=GAMMA,
        lambda_=LAMBDA,
    )
    raw = targets - cols["values"]
    rllib = (raw - raw.mean()) / max(1e-4, raw.std())  # what RLlib's GAE connector stores
    batch = {
        "default_policy": {
            Postprocessing.ADVANTAGES: torch.as_tensor(rllib),
            Columns.LOSS_MASK: torch.as_tensor(cols["loss_mask"]).bool(),
        }
    }
    StandardiseAdvantages()(rl_module=None, batch=batch, episodes=[])
    ours = batch["default_policy"][Postprocessing.ADVANTAGES].numpy()
    mask = cols["loss_mask"].astype(bool)
    expected = (raw[mask] - raw[mask].mean()) / raw[mask].std()
    assert np.allclose(ours[mask], expected, atol=1e-5)
    assert not np.allclose(rllib[mask], expected, atol=1e-3)  # RLlib's counts the phantoms
    assert np.all(ours[~mask] == 0.0)


def test_translation_selects_our_ppo_learner() -> None:
    config = build_algorithm_config(compose_run(["+task=score", "algo=ppo"]))
    assert config.learner_class is NetHackPPOTorchLearner
