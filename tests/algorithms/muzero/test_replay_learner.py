"""MuZero's replay buffer, RLModule and Learner on real MiniHack observations."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
from ray.rllib.core import DEFAULT_MODULE_ID
from ray.rllib.core.columns import Columns
from ray.rllib.core.rl_module.rl_module import RLModuleSpec
from ray.rllib.env.single_agent_episode import SingleAgentEpisode
from ray.rllib.policy.sample_batch import MultiAgentBatch, SampleBatch
from ray.rllib.utils.metrics import NUM_ENV_STEPS_SAMPLED_LIFETIME

from rllib_nethack import make_env
from rllib_nethack.algorithms.muzero.algorithm import MuZeroConfig
from rllib_nethack.algorithms.muzero.learner import PRIORITIES_KEY
from rllib_nethack.algorithms.muzero.module import (
    ROOT_VALUE,
    SEARCH_POLICY,
    MuZeroMiniHackModule,
)
from rllib_nethack.algorithms.muzero.replay import MuZeroReplayBuffer
from rllib_nethack.algorithms.muzero.targets import n_step_targets
from rllib_nethack.testing.sampling import random_observations

SMALL_MODEL = {"glyph_embedding": 4, "map_channels": [4], "crop_channels": [4], "hidden": [32]}
GAMMA, TD, K = 0.9, 3, 2


@pytest.fixture(scope="module")
def env() -> gym.Env:
    return make_env("room5x5")


@pytest.fixture(scope="module")
def observations(env: gym.Env) -> list[dict[str, Any]]:
    return random_observations(env, 16)


def chunk(
    obs: list[dict[str, Any]], start: int, steps: int, ep_id: str, terminated: bool, actions: int
) -> SingleAgentEpisode:
    """Steps ``start .. start + steps`` of a synthetic episode over real observations."""
    rng = np.random.default_rng(start)
    policies = rng.dirichlet(np.ones(actions), size=steps).astype(np.float32)
    ep = SingleAgentEpisode(
        id_=ep_id,
        observations=obs[start : start + steps + 1],
        actions=[(start + i) % actions for i in range(steps)],
        rewards=[float(start + i) / 10 for i in range(steps)],
        extra_model_outputs={
            SEARCH_POLICY: list(policies),
            ROOT_VALUE: [float(start + i) for i in range(steps)],
        },
        terminated=terminated,
        len_lookback_buffer=0,
    )
    ep.to_numpy()
    return ep


def test_buffer_joins_chunks_and_builds_the_targets(
    env: gym.Env, observations: list[dict[str, Any]]
) -> None:
    actions = int(env.action_space.n)
    buffer = MuZeroReplayBuffer(capacity=1000, seed=0)
    buffer.add([chunk(observations, 0, 4, "a", False, actions)])
    buffer.add([chunk(observations, 4, 3, "a", True, actions)])  # the same episode, ended
    assert len(buffer) == 7 and len(buffer.trajectories) == 1
    traj = buffer.trajectories["a"]
    assert len(traj.obs["glyphs"]) == 8 and traj.actions == [i % actions for i in range(7)]

    batch, keys = buffer.sample(64, K, TD, GAMMA, beta=1.0, reanalyze_fraction=0.0)
    rewards = np.arange(7) / 10
    values = np.append(np.arange(7, dtype=np.float64), 0.0)  # terminal: bootstrap 0
    expected = n_step_targets(rewards, values, GAMMA, TD)
    for row, (_, t) in enumerate(keys):
        for k in range(K + 1):
            target = (
                batch["value_reward_sum"][row, k]
                + batch["value_boot_discount"][row, k] * batch["value_boot"][row, k]
            )
            want = expected[t + k] if t + k < 7 else 0.0  # past the end: 0
            assert target == pytest.approx(want, abs=1e-5)
            assert batch["policy_mask"][row, k] == float(t + k < 7)
            assert np.array_equal(
                batch["obs/glyphs"][row, k], observations[min(t + k, 7)]["glyphs"]
            )
        assert batch["actions"][row, 0] == t % actions
        assert batch["reanalyze"][row].sum() == 0  # all values known, none chosen
        assert np.all(batch["reward_mask"][row] == 1.0)  # after the terminal: reward 0
        for k in range(K):
            assert batch["target_reward"][row, k] == pytest.approx(
                rewards[t + k] if t + k < 7 else 0.0
            )
    assert np.allclose(batch["weights"], 1.0)  # equal priorities: uniform weights


def test_running_episode_bootstraps_are_reanalysed_and_priorities_steer_sampling(
    env: gym.Env, observations: list[dict[str, Any]]
) -> None:
    buffer = MuZeroReplayBuffer(capacity=1000, seed=1)
    buffer.add([chunk(observations, 0, 5, "b", False, int(env.action_space.n))])
    batch, keys = buffer.sample(32, K, TD, GAMMA, beta=1.0, reanalyze_fraction=0.0)
    for row, (_, t) in enumerate(keys):
        boot_at_end = np.minimum(np.arange(t, t + K + 1) + TD, 5) == 5
        inside = np.arange(t, t + K + 1) <= 5
        assert np.array_equal(batch["reanalyze"][row] > 0, boot_at_end & inside)
        # A running episode's rewards after its last step are unknown: not trained towards 0.
        assert np.array_equal(batch["reward_mask"][row] > 0, np.arange(t, t + K) < 5)
    buffer.update_priorities(np.array([[0, p] for p in range(5)]), np.array([0, 0, 5.0, 0, 0]))
    _, keys = buffer.sample(20, K, TD, GAMMA, beta=1.0, reanalyze_fraction=1.0)
    assert set(keys[:, 1].tolist()) == {2}


def build_learner(env: gym.Env, **settings: Any) -> Any:
    config = MuZeroConfig().training(
        num_simulations=4,
        hidden_size=16,
        dynamics_hidden=[32],
        prediction_hidden=[32],
        projection=[16],
        lr=3e-3,
        **settings,
    )
    config.environment(observation_space=env.observation_space, action_space=env.action_space)
    config.rl_module(
        rl_module_spec=RLModuleSpec(
            module_class=MuZeroMiniHackModule,
            observation_space=env.observation_space,
            action_space=env.action_space,
            model_config=SMALL_MODEL,
        )
    )
    learner = config.build_learner(env=None, spaces=None)
    learner.build()
    return learner


@pytest.mark.slow  # 12 gradient steps: tens of seconds on a busy 2-CPU machine
def test_learner_fits_a_fixed_batch_and_reports_one_priority_per_sample(
    env: gym.Env, observations: list[dict[str, Any]]
) -> None:
    torch.manual_seed(0)
    learner = build_learner(env, consistency_loss_coeff=1.0, reanalyze_fraction=0.5)
    buffer = MuZeroReplayBuffer(capacity=1000, seed=2)
    buffer.add([chunk(observations, 0, 6, "c", True, int(env.action_space.n))])
    data, keys = buffer.sample(12, K, TD, GAMMA, beta=1.0, reanalyze_fraction=0.5)
    losses = []
    for _ in range(12):
        batch = MultiAgentBatch({DEFAULT_MODULE_ID: SampleBatch(dict(data))}, env_steps=12)
        results = learner.update(batch=batch, timesteps={NUM_ENV_STEPS_SAMPLED_LIFETIME: 0})
        module_results = results[DEFAULT_MODULE_ID]
        priorities = np.asarray(module_results.pop(PRIORITIES_KEY).peek()).ravel()
        assert len(priorities) == len(keys) and np.all(priorities > 0)
        losses.append(float(module_results["total_loss"].peek()))
    assert losses[-1] < 0.8 * losses[0]


def test_module_acts_by_search(env: gym.Env, observations: list[dict[str, Any]]) -> None:
    learner = build_learner(env)
    module = learner.module[DEFAULT_MODULE_ID]
    obs = {k: torch.from_numpy(np.stack([o[k] for o in observations[:5]])) for k in observations[0]}
    for explore in (True, False):
        forward = module.forward_exploration if explore else module.forward_inference
        out = forward({Columns.OBS: obs})
        actions = out[Columns.ACTIONS]
        assert actions.shape == (5,) and bool(
            ((actions >= 0) & (actions < env.action_space.n)).all()
        )
        assert torch.allclose(out[SEARCH_POLICY].sum(-1), torch.ones(5))
        assert out[ROOT_VALUE].shape == (5,)
    # Inference takes the search policy's argmax.
    out = module.forward_inference({Columns.OBS: obs})
    assert torch.equal(out[Columns.ACTIONS], out[SEARCH_POLICY].argmax(-1))


def test_memory_carries_state_from_acting_through_replay_to_the_learner(
    env: gym.Env, observations: list[dict[str, Any]]
) -> None:
    learner = build_learner(env, memory_size=8)
    module = learner.module[DEFAULT_MODULE_ID]
    assert module.is_stateful()
    # Acting: RLlib's connectors add a one-step time rank and the state.
    obs = {
        k: torch.from_numpy(np.stack([o[k] for o in observations[:3]]))[:, None]
        for k in observations[0]
    }
    state = {k: torch.from_numpy(np.stack([v] * 3)) for k, v in module.get_initial_state().items()}
    out = module.forward_exploration({Columns.OBS: obs, Columns.STATE_IN: state})
    assert out[Columns.ACTIONS].shape == (3, 1) and out[SEARCH_POLICY].shape[:2] == (3, 1)
    assert out[Columns.STATE_OUT]["h"].shape == (3, 8)
    assert not torch.equal(out[Columns.STATE_OUT]["h"], state["h"])  # the memory moved

    # Replay: state_in of step t + 1 is the state_out of step t; step 0 starts at zeros.
    ep = chunk(observations, 0, 5, "m", True, int(env.action_space.n))
    outs = np.arange(5 * 8, dtype=np.float32).reshape(5, 8)
    ep = SingleAgentEpisode(
        id_="m",
        observations=observations[:6],
        actions=list(ep.get_actions()),
        rewards=list(ep.get_rewards()),
        extra_model_outputs={
            SEARCH_POLICY: list(ep.get_extra_model_outputs(SEARCH_POLICY)),
            ROOT_VALUE: list(ep.get_extra_model_outputs(ROOT_VALUE)),
            Columns.STATE_OUT: [{"h": outs[i], "c": -outs[i]} for i in range(5)],
        },
        terminated=True,
        len_lookback_buffer=0,
    )
    ep.to_numpy()
    buffer = MuZeroReplayBuffer(capacity=100, seed=3)
    buffer.add([ep])
    data, keys = buffer.sample(6, K, TD, GAMMA, beta=1.0, reanalyze_fraction=1.0)
    for row, (_, t) in enumerate(keys):
        want = np.zeros(8) if t == 0 else outs[t - 1]
        assert np.array_equal(data["state_in/h"][row, 0], want)
    batch = MultiAgentBatch({DEFAULT_MODULE_ID: SampleBatch(dict(data))}, env_steps=6)
    results = learner.update(batch=batch, timesteps={NUM_ENV_STEPS_SAMPLED_LIFETIME: 0})
    assert np.isfinite(float(results[DEFAULT_MODULE_ID]["total_loss"].peek()))


def test_buffer_state_round_trips_and_sampling_goes_on_alike(
    env: gym.Env, observations: list[dict[str, Any]]
) -> None:
    import pickle

    actions = int(env.action_space.n)
    buffer = MuZeroReplayBuffer(capacity=1000, seed=3)
    buffer.add([chunk(observations, 0, 5, "d", True, actions)])
    buffer.add([chunk(observations, 5, 4, "e", False, actions)])
    buffer.update_priorities(np.array([[0, 1], [1, 2]]), np.array([3.0, 0.5]))
    restored = MuZeroReplayBuffer(capacity=1000, seed=99)
    restored.set_state(pickle.loads(pickle.dumps(buffer.get_state())))
    assert len(restored) == len(buffer) == 9
    assert list(restored.trajectories) == ["d", "e"]
    mine, keys = buffer.sample(16, K, TD, GAMMA, beta=1.0, reanalyze_fraction=0.5)
    theirs, their_keys = restored.sample(16, K, TD, GAMMA, beta=1.0, reanalyze_fraction=0.5)
    assert np.array_equal(keys, their_keys)
    for key, value in mine.items():
        assert np.array_equal(value, theirs[key]), key


def test_reanalyze_replaces_marked_policy_targets_by_a_fresh_search(
    env: gym.Env, observations: list[dict[str, Any]]
) -> None:
    from rllib_nethack.algorithms.muzero.learner import fresh_policy_targets

    torch.manual_seed(0)
    learner = build_learner(env)
    module = learner.module[DEFAULT_MODULE_ID]
    with torch.no_grad():  # a prior far from uniform, so the fresh search has a shape
        module.policy_head.bias.copy_(torch.linspace(-2.0, 2.0, module.num_actions))
    buffer = MuZeroReplayBuffer(capacity=1000, seed=4)
    buffer.add([chunk(observations, 0, 8, "f", True, int(env.action_space.n))])
    data, _ = buffer.sample(10, K, TD, GAMMA, 1.0, 0.0, search_fraction=0.5)
    marked = data["research"] > 0
    assert 0 < marked.sum() < len(marked)
    batch = {k: torch.from_numpy(v) for k, v in data.items()}
    fresh = fresh_policy_targets(module, batch).numpy()
    stored = data["target_policy"]
    assert np.array_equal(fresh[~marked], stored[~marked])
    for row in np.flatnonzero(marked):
        obs = {k: batch[f"obs/{k}"][row] for k in module.obs_keys}  # its K + 1 positions
        expected, _ = module.run_search(obs)
        assert np.allclose(fresh[row], expected.policy.numpy(), atol=1e-6)
        assert not np.allclose(fresh[row], stored[row], atol=1e-3)


def test_stochastic_muzero_learns_through_chance_outcomes_and_searches_with_them(
    env: gym.Env, observations: list[dict[str, Any]]
) -> None:
    torch.manual_seed(0)
    learner = build_learner(env, chance_outcomes=4)
    module = learner.module[DEFAULT_MODULE_ID]
    buffer = MuZeroReplayBuffer(capacity=1000, seed=5)
    buffer.add([chunk(observations, 0, 6, "g", True, int(env.action_space.n))])
    data, _ = buffer.sample(8, K, TD, GAMMA, 1.0, 0.0)
    # One update first: the heads start at zero, so no gradient reaches the trunks yet.
    train = MultiAgentBatch({DEFAULT_MODULE_ID: SampleBatch(dict(data))}, env_steps=8)
    results = learner.update(batch=train, timesteps={NUM_ENV_STEPS_SAMPLED_LIFETIME: 0})
    assert np.isfinite(float(results[DEFAULT_MODULE_ID]["chance_prior_loss"].peek()))
    learner.module[DEFAULT_MODULE_ID].zero_grad()
    batch = {k: torch.from_numpy(v) for k, v in data.items()}
    out = module.forward_train(batch)
    assert out["chance_code"].shape == (8, K, 4)
    assert torch.allclose(out["chance_code"].detach().sum(-1), torch.ones(8, K))  # one-hot codes
    loss = learner.compute_loss_for_module(
        module_id=DEFAULT_MODULE_ID,
        config=learner.config.get_config_for_module(DEFAULT_MODULE_ID),
        batch=batch,
        fwd_out=out,
    )
    loss.backward()
    # Every part of the chance machinery gets a gradient: the codebook encoder
    # (straight-through), the afterstate dynamics, and the afterstate heads.
    for part in (module.chance_encoder, module.afterstate_dynamics, module.q_head):
        grads = [p.grad for p in part.parameters()]
        assert all(g is not None for g in grads) and any(bool(g.abs().sum() > 0) for g in grads)
    assert module.chance_head.weight.grad is not None
    # Acting searches with chance nodes over the learned outcomes.
    obs = {k: torch.from_numpy(np.stack([o[k] for o in observations[:3]])) for k in observations[0]}
    result, _ = module.run_search(obs)
    assert module.chance_model() is not None
    assert torch.allclose(result.policy.sum(-1), torch.ones(3, dtype=result.policy.dtype))


def test_one_tiny_priority_does_not_crush_the_other_samples_weights(
    env: gym.Env, observations: list[dict[str, Any]]
) -> None:
    """The importance weights are divided by the batch's largest, which belongs to
    the least likely sample; with the default exponents a near-zero priority (a
    perfectly predicted value) must not shrink everyone else's step to nothing."""
    config = MuZeroConfig()
    buffer = MuZeroReplayBuffer(capacity=1000, alpha=config.priority_alpha, seed=6)
    buffer.add([chunk(observations, 0, 12, "h", True, int(env.action_space.n))])
    buffer.update_priorities(np.array([[0, p] for p in range(12)]), np.array([1e-3] + [1.0] * 11))
    for _ in range(40):  # until the tiny one is drawn with the others
        data, keys = buffer.sample(256, K, TD, GAMMA, config.priority_beta, 0.0)
        if 0 in keys[:, 1]:
            break
    assert 0 in keys[:, 1]
    assert np.median(data["weights"][keys[:, 1] != 0]) > 0.01


def test_unroll_halves_the_gradient_only_between_recurrent_steps(
    env: gym.Env, observations: list[dict[str, Any]]
) -> None:
    """MuZero's scale_gradient(0.5) sits after each recurrent step, not on the states the
    prediction reads: the step-1 value loss reaches the dynamics and the representation
    in full, the step-2 one reaches the representation at half strength."""
    torch.manual_seed(0)
    module = build_learner(env).module[DEFAULT_MODULE_ID]
    obs = {
        k: torch.from_numpy(np.stack([o[k] for o in observations[:4]]))[:, None]
        for k in module.obs_keys
    }
    actions = torch.tensor([[0, 1], [1, 2], [2, 3], [3, 0]])
    for p in module.prediction.parameters():  # a prediction that depends on its input
        torch.nn.init.normal_(p)
    torch.nn.init.normal_(module.value_head.weight)

    def grads(value_logits: torch.Tensor) -> list[torch.Tensor]:
        module.zero_grad()
        (value_logits * torch.linspace(-1, 1, value_logits.shape[-1])).sum().backward()
        return [p.grad.clone() for p in (module.next_hidden.weight, module.to_hidden.weight)]

    batch = {**{f"obs/{k}": v.expand(-1, 3, *v.shape[2:]) for k, v in obs.items()}}
    unrolled = [
        grads(module._forward_train({**batch, "actions": actions})["value_logits"][:, k])
        for k in (1, 2)
    ]
    # The same steps by hand, without any scaling.
    first = {k: v[:, 0] for k, v in obs.items()}
    one, _ = module.dynamics_step(module.represent(first), actions[:, 0])
    plain_1 = grads(module.predict(one)[1])
    one, _ = module.dynamics_step(module.represent(first), actions[:, 0])
    two, _ = module.dynamics_step(one, actions[:, 1])
    plain_2 = grads(module.predict(two)[1])
    assert torch.allclose(unrolled[0][0], plain_1[0]) and torch.allclose(unrolled[0][1], plain_1[1])
    assert torch.allclose(unrolled[1][1], 0.5 * plain_2[1], atol=1e-6)  # one step back: halved
    assert unrolled[1][1].abs().sum() > 0


@pytest.mark.slow  # 7 gradient steps
def test_reanalyze_bootstraps_from_a_target_network_refreshed_every_interval(
    env: gym.Env, observations: list[dict[str, Any]]
) -> None:
    torch.manual_seed(0)
    learner = build_learner(env, reanalyze_fraction=1.0, target_update_interval=3)
    module = learner.module[DEFAULT_MODULE_ID]
    buffer = MuZeroReplayBuffer(capacity=1000, seed=3)
    buffer.add([chunk(observations, 0, 6, "t", False, int(env.action_space.n))])
    data, _ = buffer.sample(8, K, TD, GAMMA, beta=1.0, reanalyze_fraction=1.0)
    copies = []
    for _ in range(7):
        before = {k: v.clone() for k, v in module.state_dict().items()}
        batch = MultiAgentBatch({DEFAULT_MODULE_ID: SampleBatch(dict(data))}, env_steps=8)
        learner.update(batch=batch, timesteps={NUM_ENV_STEPS_SAMPLED_LIFETIME: 0})
        target, _ = learner._bootstrap_nets[DEFAULT_MODULE_ID]
        assert target is not module and not any(p.requires_grad for p in target.parameters())
        if not copies or target is not copies[-1][0]:
            copies.append((target, before))
    # Copied at updates 1, 4 and 7, each time from the weights that update started with,
    # and left alone in between while the module trained on.
    assert len(copies) == 3
    for target, weights in copies:
        for key, value in target.state_dict().items():
            assert torch.equal(value, weights[key]), key
    assert not torch.equal(
        module.state_dict()["value_head.weight"], copies[0][1]["value_head.weight"]
    )
