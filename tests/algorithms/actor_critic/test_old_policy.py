"""APPO's ``target_network: false`` (the default): the behaviour policy is the old policy."""

from __future__ import annotations

import pytest
import torch
from ray.rllib.algorithms.appo.appo import LEARNER_RESULTS_MEAN_IS_KEY
from ray.rllib.core.columns import Columns
from test_packing import as_torch, unpacked_batch

from rllib_nethack import make_env
from rllib_nethack.config import build_algorithm_config
from rllib_nethack.config import compose_config as compose_run


@pytest.mark.slow  # builds an RLlib learner: ~10 s on a busy machine
@pytest.mark.parametrize("target_network", [True, False, None])  # None: the default
def test_behaviour_logits_replace_the_target_network(target_network: bool | None) -> None:
    switch = f"+algo.learner_config_dict={{target_network:{str(target_network).lower()}}}"
    overrides = ["+task=room5x5", "debug=smoke", *([switch] if target_network is not None else [])]
    config = build_algorithm_config(compose_run(overrides))
    env = make_env("room5x5")
    torch.manual_seed(0)
    learner = config.build_learner(env=env)
    module = learner.module["default_policy"]
    batch = as_torch(unpacked_batch(env, int(module.model_config["rnn_size"])))
    # Behaviour logits, and the logp of the taken actions under them, as the env runners record.
    logits = torch.randn(*batch[Columns.ACTIONS].shape, env.action_space.n)
    batch[Columns.ACTION_DIST_INPUTS] = logits
    batch[Columns.ACTION_LOGP] = torch.log_softmax(logits, -1).gather(
        -1, batch[Columns.ACTIONS].long()[..., None]
    )[..., 0]
    with torch.no_grad():  # a target network far from the behaviour policy
        for param in module._target_pi.parameters():
            param.mul_(5.0).add_(1.0)
    learner.compute_loss_for_module(
        module_id="default_policy", config=config, batch=batch, fwd_out=module.forward_train(batch)
    )
    mean_is = float(learner.metrics.peek(("default_policy", LEARNER_RESULTS_MEAN_IS_KEY)))
    # exp(behaviour - old): exactly 1 when the old policy is the behaviour policy.
    assert (mean_is == pytest.approx(1.0, abs=1e-6)) is not bool(target_network)
