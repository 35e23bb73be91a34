"""APPO/IMPALA/PPO's BC loss: the learner adds exactly ``bc_coeff`` x BC's cross-entropy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from ray.rllib.core import DEFAULT_MODULE_ID
from ray.rllib.core.columns import Columns
from test_packing import as_torch, unpacked_batch

from rllib_nethack import make_env
from rllib_nethack.algorithms.actor_critic.demonstrations import (
    DemonstrationLoss,
    demonstration_settings,
)
from rllib_nethack.algorithms.bc.batches import TtyBatcher
from rllib_nethack.algorithms.bc.source import open_demonstrations
from rllib_nethack.config import build_algorithm_config, compose_config
from rllib_nethack.errors import ConfigError
from rllib_nethack.metrics.result_keys import BC_LOSS
from rllib_nethack.models.cores import RESETS

COEFF = 0.5


def tty_appo(*extra: str) -> Any:
    """An APPO config on ``challenge`` with a small tty-only model (``rnn_size=16``)."""
    base = ["+task=challenge", "algo=appo", "debug=smoke", "model=chaotic_dwarf_tty"]
    return build_algorithm_config(compose_config([*base, "model.rnn_size=16", *extra]))


def appo_config(nle_games: Path, db: Path, *extra: str) -> Any:
    dataset = ["dataset.batch_size=2", "dataset.seq_len=8", "dataset.threads=0"]
    return tty_appo(f"dataset.path={nle_games}", f"dataset.db={db}", *dataset, *extra)


def learner_and_loss_inputs(config: Any) -> tuple[Any, dict[str, Any]]:
    """A learner of ``config`` and ``compute_loss_for_module``'s arguments for one
    RLlib-layout batch of real observations (:func:`test_packing.unpacked_batch`)."""
    env = make_env("challenge", **config.env_config)
    torch.manual_seed(0)
    learner = config.build_learner(env=env)
    module = learner.module[DEFAULT_MODULE_ID].unwrapped()
    batch = as_torch(unpacked_batch(env, int(module.model_config["rnn_size"])))
    fwd_out = module.forward_train(batch)
    return learner, {
        "module_id": DEFAULT_MODULE_ID,
        "config": config,
        "batch": batch,
        "fwd_out": fwd_out,
    }


def direct_cross_entropy(module: Any, settings: dict[str, Any], seed: int) -> float:
    """BC's loss on the first dataset minibatch, from the games, by a plain formula."""
    np.random.seed(seed)  # nle.dataset shuffles the games with numpy's global RNG
    batch = TtyBatcher(module.observation_space)(next(iter(open_demonstrations(settings))))
    lanes = batch[Columns.ACTIONS].shape[0]
    tensors: dict[str, Any] = {
        Columns.OBS: {k: torch.as_tensor(v) for k, v in batch[Columns.OBS].items()},
        RESETS: torch.as_tensor(batch[RESETS]),
        Columns.STATE_IN: {
            k: torch.as_tensor(v).expand(lanes, -1) for k, v in module.get_initial_state().items()
        },
    }
    with torch.no_grad():
        logits = module.forward_train(tensors)[Columns.ACTION_DIST_INPUTS]
    mask = torch.as_tensor(batch[Columns.LOSS_MASK])
    assert mask.sum() > 0
    log_p = torch.log_softmax(logits, -1)
    taken = torch.as_tensor(batch[Columns.ACTIONS])[..., None]
    return float(-log_p.gather(-1, taken)[..., 0][mask].mean())


def test_the_bc_term_is_coeff_times_the_cross_entropy(nle_games: Path, tmp_path: Path) -> None:
    config = appo_config(nle_games, tmp_path / "nld.db", f"dataset.bc_coeff={COEFF}")
    settings = demonstration_settings(config.learner_config_dict)
    assert settings is not None and settings["bc_coeff"] == COEFF

    learner, kwargs = learner_and_loss_inputs(config)
    module = learner.module[DEFAULT_MODULE_ID].unwrapped()
    np.random.seed(3)  # the learner opens the dataset at its first loss
    with_bc = float(learner.compute_loss_for_module(**kwargs).detach())
    rl_alone = float(super(DemonstrationLoss, learner).compute_loss_for_module(**kwargs).detach())

    ce = direct_cross_entropy(module, settings, seed=3)
    assert with_bc - rl_alone == pytest.approx(COEFF * ce, rel=1e-4, abs=1e-5)
    assert float(learner.metrics.peek((DEFAULT_MODULE_ID, BC_LOSS))) == pytest.approx(ce, rel=1e-4)


def test_bc_coeff_needs_a_dataset_and_an_actor_critic(tmp_path: Path, nle_games: Path) -> None:
    plain = appo_config(nle_games, tmp_path / "nld.db")  # a dataset, bc_coeff 0: RL alone
    assert demonstration_settings(plain.learner_config_dict) is None
    for extra, message in (
        (("algo=appo", "dataset.bc_coeff=1"), "dataset.bc_coeff > 0 needs demonstrations"),
        (
            (
                "algo=muzero",
                "model=chaotic_dwarf",
                f"dataset.path={nle_games}",
                "dataset.bc_coeff=1",
            ),
            "takes no BC loss",
        ),
        (
            ("algo=appo", f"dataset.path={nle_games}", "dataset.bc_coeff=1", "model=chaotic_dwarf"),
            "which a ttyrec does not record",
        ),
        (("algo=appo", "+algo.learner_config_dict={_demonstrations: true}"), "has no switch"),
    ):
        cfg = compose_config(["+task=challenge", "model=chaotic_dwarf_tty", *extra])
        with pytest.raises(ConfigError, match=message):
            build_algorithm_config(cfg)


def test_a_feed_forward_model_gets_the_bc_term_on_frames(nle_games: Path, tmp_path: Path) -> None:
    """``model.rnn_size=0`` reads single frames: the dataset's rows are flattened as
    ``algo=bc`` flattens them, and the cross-entropy is over every real frame."""
    base = ["+task=challenge", "algo=appo", "debug=smoke", "model=chaotic_dwarf_tty"]
    data = [f"dataset.path={nle_games}", f"dataset.db={tmp_path / 'nld.db'}"]
    sizes = ["dataset.batch_size=2", "dataset.seq_len=8", "dataset.threads=0"]
    extra = ["model.rnn_size=0", f"dataset.bc_coeff={COEFF}"]
    config = build_algorithm_config(compose_config([*base, *data, *sizes, *extra]))
    learner = config.build_learner(env=make_env("challenge", **config.env_config))
    loss, accuracy = learner.demonstration_loss(DEFAULT_MODULE_ID)
    assert loss.dim() == 0 and float(loss) > 0 and 0.0 <= float(accuracy) <= 1.0
    loss.backward()  # the term trains the policy
    assert learner.module[DEFAULT_MODULE_ID].unwrapped().pi.weight.grad is not None
