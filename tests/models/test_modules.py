"""The RLModules on real observation batches: shapes, state, gradients, targets, checkpoints."""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
from ray.rllib.core.columns import Columns
from ray.rllib.core.rl_module.apis import TARGET_NETWORK_ACTION_DIST_INPUTS
from ray.rllib.core.rl_module.rl_module import RLModule

from rllib_nethack import ConfigError, make_env
from rllib_nethack.config.compose import compose_checked
from rllib_nethack.models import ARCHITECTURES, NetHackRLModule, get_architecture
from rllib_nethack.models.encoders import ScreenImageEncoder
from rllib_nethack.models.parts import PART_KEYS

SMALL = {"rnn_size": 32}
B, T = 3, 4


def build(model: str, env: gym.Env, **config: Any) -> Any:
    return NetHackRLModule(
        observation_space=env.observation_space,
        action_space=env.action_space,
        model_config={**SMALL, **config, "name": model},
    )


def zero_state(module: Any, b: int = B) -> dict[str, torch.Tensor]:
    return {k: torch.from_numpy(np.stack([v] * b)) for k, v in module.get_initial_state().items()}


def forward_batch(module: Any, obs: dict[str, torch.Tensor]) -> dict[str, Any]:
    batch: dict[str, Any] = {Columns.OBS: obs}
    if module.is_stateful():
        batch[Columns.STATE_IN] = zero_state(module, next(iter(obs.values())).shape[0])
    return batch


@pytest.mark.parametrize("model", list(ARCHITECTURES))
def test_forward_shapes_and_values(
    model: str, env_for: Callable, observations: Callable, to_batch: Callable
) -> None:
    env = env_for(model)
    module = build(model, env)
    batch = forward_batch(module, to_batch(observations(model), B, T))
    n = env.action_space.n
    for out in (module.forward_inference(batch), module.forward_exploration(batch)):
        logits = out[Columns.ACTION_DIST_INPUTS]
        assert logits.shape == (B, T, n)
        assert torch.isfinite(logits).all()
        assert out[Columns.STATE_OUT]["h"].shape == (B, SMALL["rnn_size"])
    train = module.forward_train(batch)
    values = module.compute_values(batch, train[Columns.EMBEDDINGS])
    assert values.shape == (B, T)
    assert torch.isfinite(values).all()
    # compute_values without embeddings recomputes the same trunk
    assert torch.allclose(values, module.compute_values(batch), atol=1e-5)


def test_feed_forward_models_take_obs_without_time_dim(
    env_for: Callable, observations: Callable, to_batch: Callable
) -> None:
    env = env_for("minihack")
    module = build("minihack", env, rnn_size=0)
    assert not module.is_stateful()
    obs = {k: v[:, 0] for k, v in to_batch(observations("minihack"), B, T).items()}
    out = module.forward_train({Columns.OBS: obs})
    assert out[Columns.ACTION_DIST_INPUTS].shape == (B, env.action_space.n)
    assert Columns.STATE_OUT not in out


@pytest.mark.parametrize("model", list(ARCHITECTURES))
def test_lstm_carries_state(
    model: str, env_for: Callable, observations: Callable, to_batch: Callable
) -> None:
    env = env_for(model)
    module = build(model, env)
    obs = to_batch(observations(model), B, T)
    zero = forward_batch(module, obs)
    out = module.forward_inference(zero)
    carried = {Columns.OBS: obs, Columns.STATE_IN: out[Columns.STATE_OUT]}
    again = module.forward_inference(carried)
    # Same observations, different incoming state: different outputs.
    assert not torch.allclose(again[Columns.ACTION_DIST_INPUTS], out[Columns.ACTION_DIST_INPUTS])
    # State shapes are what RLlib's connectors store per episode: [H] per env.
    for value in module.get_initial_state().values():
        assert value.shape == (SMALL["rnn_size"],)
        assert value.dtype == np.float32


def test_acting_leaves_the_mode_alone_unless_a_layer_cares(
    env_for: Callable, observations: Callable, to_batch: Callable
) -> None:
    module = build("minihack", env_for("minihack"))
    batch = forward_batch(module, to_batch(observations("minihack"), B, 1))
    module.train()
    out = module.forward_exploration(batch)
    assert module.training and not out[Columns.ACTION_DIST_INPUTS].requires_grad
    # A layer whose output depends on the mode: acting runs it in eval mode.
    module.pi = torch.nn.Sequential(torch.nn.Dropout(p=0.9), module.pi)
    del module._has_mode_layers
    first = module.forward_exploration(batch)[Columns.ACTION_DIST_INPUTS]
    second = module.forward_exploration(batch)[Columns.ACTION_DIST_INPUTS]
    assert torch.equal(first, second) and module.training


@pytest.mark.parametrize("model", list(ARCHITECTURES))
def test_gradient_reaches_every_parameter(
    model: str, env_for: Callable, observations: Callable, to_batch: Callable
) -> None:
    env = env_for(model)
    module = build(model, env)
    batch = forward_batch(module, to_batch(observations(model), B, T))
    out = module.forward_train(batch)
    values = module.compute_values(batch, out[Columns.EMBEDDINGS])
    loss = out[Columns.ACTION_DIST_INPUTS].logsumexp(-1).mean() + values.pow(2).mean()
    loss.backward()
    missing = [
        n
        for n, p in module.named_parameters()
        if p.requires_grad and (p.grad is None or not p.grad.abs().sum() > 0)
    ]
    assert missing == []


@pytest.mark.parametrize("model", list(ARCHITECTURES))
def test_appo_target_networks_cover_every_trainable_layer(
    model: str, env_for: Callable, observations: Callable, to_batch: Callable
) -> None:
    env = env_for(model)
    module = build(model, env)
    module.make_target_networks()
    pairs = module.get_target_network_pairs()
    covered = {id(p) for main, _ in pairs for p in main.parameters()}
    value_head = {id(p) for p in module.vf.parameters()}
    trainable = [
        n
        for n, p in module.named_parameters()
        if not n.startswith("_target") and id(p) not in value_head
    ]
    uncovered = [n for n, p in module.named_parameters() if n in trainable and id(p) not in covered]
    assert uncovered == []
    for main, target in pairs:
        assert [p.shape for p in main.parameters()] == [p.shape for p in target.parameters()]
        assert all(not p.requires_grad for p in target.parameters())
    batch = forward_batch(module, to_batch(observations(model), B, T))
    target_logits = module.forward_target(batch)[TARGET_NETWORK_ACTION_DIST_INPUTS]
    assert torch.allclose(
        target_logits, module.forward_train(batch)[Columns.ACTION_DIST_INPUTS], atol=1e-5
    )


@pytest.mark.parametrize("model", list(ARCHITECTURES))
def test_checkpoint_round_trip(
    model: str, env_for: Callable, observations: Callable, to_batch: Callable, tmp_path: Any
) -> None:
    env = env_for(model)
    module = build(model, env)
    with torch.no_grad():  # move away from the initial weights
        for p in module.parameters():
            p.add_(0.01 * torch.randn_like(p))
    module.save_to_path(tmp_path / "module")
    restored = RLModule.from_checkpoint(tmp_path / "module")
    assert type(restored) is type(module)
    batch = forward_batch(module, to_batch(observations(model), B, T))
    a = module.forward_inference(batch)[Columns.ACTION_DIST_INPUTS]
    b = restored.forward_inference(batch)[Columns.ACTION_DIST_INPUTS]
    assert torch.equal(a, b)


def test_inference_only_module_drops_value_head_and_targets(env_for: Callable) -> None:
    env = env_for("minihack")
    module = NetHackRLModule(
        observation_space=env.observation_space,
        action_space=env.action_space,
        inference_only=True,
        model_config={**SMALL, "name": "minihack"},
    )
    assert not hasattr(module, "vf")
    full = build("minihack", env)
    full.make_target_networks()
    state = full.get_state(inference_only=True)
    assert not any(k.startswith(("vf.", "_target")) for k in state)
    module.set_state(state)  # loads without missing keys


def test_a_module_saved_with_the_old_name_key_restores(env_for: Callable) -> None:
    # Modules saved before model_config["name"] named the architecture under
    # "architecture": RLModule.from_checkpoint rebuilds them from that model_config.
    env = env_for("minihack")
    old = NetHackRLModule(
        observation_space=env.observation_space,
        action_space=env.action_space,
        model_config={**SMALL, "architecture": "minihack"},
    )
    assert old.architecture == "minihack"
    old.set_state(build("minihack", env).get_state())  # the same network


def test_unknown_model_lists_valid_names() -> None:
    with pytest.raises(ConfigError, match=r"unknown model 'chaotic_dwraf'.*chaotic_dwarf"):
        get_architecture("chaotic_dwraf")


def test_unknown_setting_is_named(env_for: Callable) -> None:
    with pytest.raises(
        ConfigError, match=r"model\.rnn_sise is not a setting of model 'minihack'.*rnn_size"
    ):
        build("minihack", env_for("minihack"), rnn_sise=3)


def test_missing_observation_is_named() -> None:
    env = make_env("room5x5")  # glyph observations only
    with pytest.raises(ConfigError, match=r"reads observation 'tty_chars'.*add 'tty_chars'"):
        build("chaotic_dwarf", env)


def test_env_screen_image_must_match_the_model_crop() -> None:
    keys = ["screen_image", "blstats", "tty_chars", "tty_colors", "tty_cursor", "prev_action"]
    env = make_env("challenge", observation_keys=keys, crop_dim=20)  # 120 x 120 pixels
    with pytest.raises(ConfigError, match=r"screen_image is \(120, 120, 3\).*\(108, 108, 3\)"):
        build("chaotic_dwarf", env)
    assert build("chaotic_dwarf", env, crop_dim=20).encoder.out_dim > 0


def test_too_small_a_screen_crop_is_a_config_error(env_for: Callable) -> None:
    with pytest.raises(ConfigError, match=r"crop_dim.*pixel_size.*too small"):
        build("chaotic_dwarf", env_for("chaotic_dwarf"), crop_dim=4)


def test_the_config_check_refuses_the_crops_the_screen_cnn_cannot_read() -> None:
    # Without building a module (the check imports no torch): the smallest image it
    # names is the smallest the CNN reads.
    with pytest.raises(ConfigError, match=r"= 24 pixels is too small .*at least (\d+)") as err:
        compose_checked(["+task=challenge", "model=chaotic_dwarf_tty", "model.crop_dim=4"])
    least = int(re.search(r"at least (\d+)", str(err.value))[1])  # type: ignore[index]
    assert ScreenImageEncoder(hidden=8, crop_dim=1, pixel_size=least).out_dim == 8
    with pytest.raises(ConfigError, match="too small"):
        ScreenImageEncoder(hidden=8, crop_dim=1, pixel_size=least - 1)


def test_settings_change_sizes(env_for: Callable) -> None:
    env = env_for("chaotic_dwarf")
    small = build("chaotic_dwarf", env, screen_hidden=64, top_line_hidden=[32, 32])
    default = build("chaotic_dwarf", env)
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(small) < count(default)
    assert (
        build("chaotic_dwarf", env, use_prev_action=False).encoder.out_dim
        == default.encoder.out_dim - env.action_space.n
    )


@pytest.mark.parametrize("model", list(ARCHITECTURES))
def test_model_reads_exactly_what_its_encoders_read(model: str, env_for: Callable) -> None:
    arch = ARCHITECTURES[model]
    module = build(model, env_for(model))
    read = {k for part in module.encoder.parts.values() for k in part.keys}
    assert set(arch.reads(arch.settings())) == read
    # The env built from the derived keys provides all of them and nothing else.
    assert set(env_for(model).observation_space.spaces) == read


@pytest.mark.parametrize("model", list(ARCHITECTURES))
def test_every_toggle_builds_the_parts_and_keys_the_table_says(model: str) -> None:
    # The config check derives observations from the parts table alone (no torch):
    # each built part must read what the table says, for every switch of the settings.
    arch = ARCHITECTURES[model]
    toggles = [f.name for f in dataclasses.fields(arch.settings) if f.type in (bool, "bool")]
    for values in itertools.product((False, True), repeat=len(toggles)):
        settings = arch.parse(dict(zip(toggles, values, strict=True)))
        with torch.device("meta"):
            encoder = arch.build(settings, 5, {})
        assert sorted(encoder.parts) == sorted(arch.parts(settings))
        for name, part in encoder.parts.items():
            assert tuple(part.keys) == PART_KEYS[name], (model, name)


def test_derived_keys_follow_the_settings() -> None:
    dwarf = ARCHITECTURES["chaotic_dwarf"]
    full = set(dwarf.reads(dwarf.settings()))
    lean = set(dwarf.reads(dwarf.parse({"use_prev_action": False, "use_blstats": False})))
    assert full - lean == {"prev_action", "blstats"}
    assert dwarf.screen_crop(dwarf.parse({"crop_dim": 20})) == (20, 6)
    assert ARCHITECTURES["minihack"].screen_crop(ARCHITECTURES["minihack"].settings()) is None


def test_core_skip_acts_step_by_step_as_it_trains_on_sequences(
    env_for: Callable, observations: Callable, to_batch: Callable
) -> None:
    """The heads read ``[LSTM output, features]`` in both paths: acting one step
    per call (the fused cell) and training on ``[B, T]`` sequences."""
    env = env_for("minihack")
    module = build("minihack", env, core_skip=True)
    width = SMALL["rnn_size"] + module.encoder.out_dim
    assert module.pi.in_features == width and module.vf.in_features == width
    obs = to_batch(observations("minihack"), B, T)
    whole = module.forward_train(forward_batch(module, obs))[Columns.ACTION_DIST_INPUTS]
    state = zero_state(module)
    for t in range(T):
        step = {Columns.OBS: {k: v[:, t : t + 1] for k, v in obs.items()}, Columns.STATE_IN: state}
        out = module.forward_inference(step)
        assert torch.allclose(out[Columns.ACTION_DIST_INPUTS][:, 0], whole[:, t], atol=1e-5)
        state = out[Columns.STATE_OUT]


@pytest.mark.parametrize("skip", [True, False])
def test_core_skip_gives_the_heads_the_frame_past_the_lstm(
    skip: bool, env_for: Callable, observations: Callable, to_batch: Callable
) -> None:
    """With the LSTM blind to its input (input weights zeroed), the policy still
    sees the frame with ``core_skip`` and no longer does without it: the path
    that lets BC and RL learn what the current frame shows without first
    training the LSTM's gates (benchmarks/RESULTS.md, "LSTM core")."""
    env = env_for("minihack")
    module = build("minihack", env, core_skip=skip)
    torch.nn.init.normal_(module.pi.weight)
    with torch.no_grad():
        module.core.lstm.weight_ih_l0.zero_()
    obs = to_batch(observations("minihack"), B, T)
    other = {k: torch.roll(v, 1, dims=0) for k, v in obs.items()}  # other frames, same state
    logits = module.forward_inference(forward_batch(module, obs))[Columns.ACTION_DIST_INPUTS]
    moved = module.forward_inference(forward_batch(module, other))[Columns.ACTION_DIST_INPUTS]
    assert (not torch.allclose(logits, moved, atol=1e-6)) == skip
