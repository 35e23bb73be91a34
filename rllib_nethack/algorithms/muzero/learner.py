"""MuZero's losses on RLlib's ``TorchLearner``.

Per sample, the model unrolls K steps from one observation along the actions
really taken; at every step it is trained towards the search policy (cross
entropy), the n-step value target and the observed reward (cross entropy
against their scaled categorical encodings), optionally plus the consistency
loss (negative cosine similarity between the projected dynamics state and the
projected representation of the observation actually reached). Losses are
weighted by the prioritised-replay importance weights; the new priority of a
sample is its first-step value error.

Reanalyze happens here, where the current network lives: the bootstrap values
the buffer marks (a fraction of the samples, and every bootstrap whose search
value is unknown) are recomputed with the current network (or with a copy of
it refreshed every ``target_update_interval`` updates, a target network), and
the policy targets of the rows it marks ``research`` by a fresh search with
the current one.
"""

from __future__ import annotations

import copy
from typing import Any, cast

import torch
from ray.rllib.core.learner.torch.torch_learner import TorchLearner
from ray.rllib.utils.typing import ModuleID, TensorType

from rllib_nethack.algorithms.muzero.module import MuZeroRLModule
from rllib_nethack.algorithms.muzero.scaling import logits_to_scalar, scalar_to_target
from rllib_nethack.algorithms.optimizer import FastOptimizerStep

#: The learner metric holding each sample's new priority (popped before logging).
PRIORITIES_KEY = "muzero_priorities"


def _cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return -(target * torch.log_softmax(logits, dim=-1)).sum(-1)


def fresh_policy_targets(module: MuZeroRLModule, batch: dict[str, Any]) -> torch.Tensor:
    """``target_policy`` ``[B, K + 1, A]`` with the rows marked ``research`` searched again.

    Reanalyze proper (Schrittwieser et al. 2021): the stored visit counts come
    from an older, weaker network; a fresh search from the same observations
    with the current one gives a better policy target. All marked positions of
    the batch are searched at once (one batch of trees).
    """
    target = batch["target_policy"]
    rows = torch.nonzero(batch["research"] > 0).squeeze(-1)
    if len(rows) == 0:
        return target
    steps = target.shape[1]
    obs = {
        k: batch[f"obs/{k}"][rows].reshape(-1, *batch[f"obs/{k}"].shape[2:])
        for k in module.obs_keys
    }
    state = module.state_at(batch, "state_in", slice(None))
    if state is not None:
        state = {k: v[rows].reshape(-1, v.shape[-1]) for k, v in state.items()}
    result, _ = module.run_search(obs, state, explore=False)
    target = target.clone()
    target[rows] = result.policy.reshape(len(rows), steps, -1).to(target.dtype)
    return target


class MuZeroTorchLearner(FastOptimizerStep, TorchLearner):  # type: ignore[misc]
    """The MuZero losses (see the module docstring)."""

    def build(self) -> None:
        super().build()
        # module id -> (the network Reanalyze bootstraps from, updates since it was copied)
        self._bootstrap_nets: dict[ModuleID, tuple[MuZeroRLModule, int]] = {}

    def bootstrap_network(
        self, module_id: ModuleID, module: MuZeroRLModule, interval: int
    ) -> MuZeroRLModule:
        """The network whose values Reanalyze's n-step targets bootstrap from.

        With ``interval`` > 0, a frozen copy of ``module`` refreshed every
        ``interval`` updates (the target network of EfficientZero and of
        MuZero Reanalyze): bootstrapping from the network being trained, at
        two samples per env step, lets a value error feed its own target.
        With 0, ``module`` itself.
        """
        if interval <= 0:
            return module
        net, age = self._bootstrap_nets.get(module_id, (module, interval))
        if age >= interval:
            net = copy.deepcopy(module).requires_grad_(False)
            age = 0
        self._bootstrap_nets[module_id] = (net, age + 1)
        return net

    def compute_loss_for_module(
        self,
        *,
        module_id: ModuleID,
        config: Any,
        batch: dict[str, Any],
        fwd_out: dict[str, TensorType],
    ) -> TensorType:
        out = cast(dict[str, torch.Tensor], fwd_out)
        module = self.module[module_id].unwrapped()
        assert isinstance(module, MuZeroRLModule)
        net = module.net

        # ---- value targets, with Reanalyze's fresh bootstraps
        boot = batch["value_boot"]
        redo = batch["reanalyze"] > 0
        if bool(redo.any()):
            boot_net = self.bootstrap_network(module_id, module, int(config.target_update_interval))
            with torch.no_grad():
                obs = {k: batch[f"boot_obs/{k}"][redo] for k in module.obs_keys}
                state = module.state_at(batch, "boot_state", slice(None))
                if state is not None:
                    state = {k: v[redo] for k, v in state.items()}
                boot = boot.clone()
                boot[redo] = boot_net.value(obs, state).to(boot.dtype)
        value_target = batch["value_reward_sum"] + batch["value_boot_discount"] * boot

        value_loss = _cross_entropy(
            out["value_logits"], scalar_to_target(value_target, net.value_support)
        )
        reward_loss = _cross_entropy(
            out["reward_logits"], scalar_to_target(batch["target_reward"], net.reward_support)
        )
        policy_logits = out["policy_logits"]
        target_policy = fresh_policy_targets(module, batch)
        policy_loss = _cross_entropy(policy_logits, target_policy)
        probs = torch.softmax(policy_logits, dim=-1)
        entropy = -(probs * torch.log_softmax(policy_logits, dim=-1)).sum(-1)

        policy_mask, value_mask = batch["policy_mask"], batch["value_mask"]
        per_sample = (
            (policy_loss * policy_mask).sum(1)
            + config.value_loss_coeff * (value_loss * value_mask).sum(1)
            + (reward_loss * batch["reward_mask"]).sum(1)
            - config.entropy_coeff * (entropy * policy_mask).sum(1)
        )
        if "chance_q" in out:  # Stochastic MuZero: Q, outcome prior, codebook commitment
            steps_k = out["chance_q"].shape[1]
            q_loss = _cross_entropy(
                out["chance_q"], scalar_to_target(value_target[:, :steps_k], net.value_support)
            )
            code = out["chance_code"]
            prior_loss = _cross_entropy(out["chance_prior"], code.detach())
            commitment = ((code.detach() - out["chance_probs"]) ** 2).sum(-1)
            mask = policy_mask[:, :steps_k]  # a real action and transition
            per_sample = (
                per_sample
                + config.value_loss_coeff * (q_loss * mask).sum(1)
                + ((prior_loss + config.commitment_loss_coeff * commitment) * mask).sum(1)
            )
            self.metrics.log_value((module_id, "chance_prior_loss"), prior_loss.mean(), window=1)
        consistency = torch.zeros_like(per_sample)
        if config.consistency_loss_coeff > 0:
            k1 = out["hidden"].shape[1]
            mask = batch["consistency_mask"][:, 1:]
            with torch.no_grad():
                obs = {
                    k: batch[f"obs/{k}"][:, 1:].reshape(-1, *batch[f"obs/{k}"].shape[2:])
                    for k in module.obs_keys
                }
                state = module.state_at(batch, "state_in", slice(1, None))
                if state is not None:
                    state = {k: v.reshape(-1, v.shape[-1]) for k, v in state.items()}
                target = module.project(module.represent(obs, state), predictor=False)
            predicted = module.project(
                out["hidden"][:, 1:].reshape(-1, out["hidden"].shape[-1]), predictor=True
            )
            cosine = torch.nn.functional.cosine_similarity(predicted, target, dim=-1)
            consistency = -(cosine.reshape(-1, k1 - 1) * mask).sum(1)
            per_sample = per_sample + config.consistency_loss_coeff * consistency
        # Every unroll step counts equally, whatever K (MuZero scales by 1/K).
        steps = float(out["value_logits"].shape[1])
        loss = (batch["weights"] * per_sample).mean() / steps

        with torch.no_grad():
            predicted_value = logits_to_scalar(out["value_logits"][:, 0], net.value_support)
            priorities = (predicted_value - value_target[:, 0]).abs() + 1e-6
        # One value per sample, in batch order (as DQN logs its TD errors).
        self.metrics.log_value((module_id, PRIORITIES_KEY), priorities, reduce="item_series")
        self.metrics.log_dict(
            {
                "policy_loss": (policy_loss * policy_mask).sum() / policy_mask.sum().clamp(min=1),
                "value_loss": (value_loss * value_mask).sum() / value_mask.sum().clamp(min=1),
                "reward_loss": (reward_loss * batch["reward_mask"]).sum()
                / batch["reward_mask"].sum().clamp(min=1),
                "consistency_loss": consistency.mean(),
                "policy_entropy": entropy[:, 0].mean(),
                "value_target_mean": value_target[:, 0].mean(),
                "predicted_value_mean": predicted_value.mean(),
                "reanalyzed_fraction": redo.float().mean(),
                "researched_fraction": batch["research"].float().mean(),
                "total_loss": loss,
            },
            key=module_id,
            window=1,
        )
        return loss
