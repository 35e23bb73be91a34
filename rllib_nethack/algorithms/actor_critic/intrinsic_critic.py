"""A second critic for the intrinsic return, with its own discount (``explore.intrinsic_gamma``).

MiniHack's RND and RIDE baselines (``int.twoheaded``) do not add the bonus to
the task's rewards: a second value head learns the intrinsic return, discounted
with ``int.discounting`` (0.99, against the task's 0.999), and the policy
follows the sum of the two advantages. The intrinsic return is non-stationary
(a bonus fades as the predictor learns a state) and short-sighted by design; in
one value head it blurs the task's value, whose long discount would also
carry each fading bonus hundreds of steps back.

Here, with ``explore.intrinsic_gamma`` set (RND's and RIDE's default: 0.99):

* the bonus reaches the learner as its own column, :data:`INTRINSIC_REWARDS`
  (:class:`~rllib_nethack.algorithms.exploration.rewards.AddIntrinsicReward`);
* the RLModule has ``intrinsic_vf`` beside ``vf`` on the same trunk;
* V-trace (APPO, IMPALA; :class:`IntrinsicVTrace`): a second V-trace over those
  rewards with the intrinsic discount and the intrinsic head, the same
  importance weights and the same bootstrap handling as the task's (the phantom
  step's reward is its own value: :mod:`.vtrace`); its advantages enter a second
  policy-gradient term of the algorithm's form (APPO's clipped surrogate,
  IMPALA's log-probability one), its targets the head's squared error, weighted
  ``vf_loss_coeff`` as the task's. IMPALA's policy term is linear in the
  advantages, so this is the summed advantage of MiniHack's; APPO clips each.
* GAE (PPO; :class:`IntrinsicAdvantages`, after RLlib's GAE and before the
  standardisation over real steps): the advantages become the task's raw ones
  plus the intrinsic GAE ones (the same lambda), and :class:`IntrinsicValueLoss`
  adds the head's squared error against its GAE targets.

The head's loss is logged as ``intrinsic_vf_loss``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from ray.rllib.algorithms.impala.torch.vtrace_torch_v2 import make_time_major, vtrace_torch
from ray.rllib.connectors.connector_v2 import ConnectorV2
from ray.rllib.core.columns import Columns
from ray.rllib.core.rl_module.apis import TARGET_NETWORK_ACTION_DIST_INPUTS
from ray.rllib.evaluation.postprocessing import Postprocessing
from ray.rllib.utils.postprocessing.value_predictions import compute_value_targets
from ray.rllib.utils.postprocessing.zero_padding import (
    split_and_zero_pad_n_episodes,
    unpad_data_if_necessary,
)

from rllib_nethack.algorithms.actor_critic.standardise import standardise
from rllib_nethack.algorithms.actor_critic.switches import switched_on
from rllib_nethack.algorithms.actor_critic.vtrace import bootstrap_rewards
from rllib_nethack.models.module import INTRINSIC_CRITIC

#: The learner batch's column of weighted intrinsic rewards when a second head
#: values them (an ``extra_model_outputs`` key of the episode chunks, so RLlib's
#: connectors batch, pad and extend it past the bootstrap step like its own).
INTRINSIC_REWARDS = "intrinsic_rewards"
#: PPO's value targets for the intrinsic head (GAE with the intrinsic discount).
INTRINSIC_VALUE_TARGETS = "intrinsic_value_targets"
INTRINSIC_VF_LOSS = "intrinsic_vf_loss"


def intrinsic_gamma(module: Any) -> float | None:
    """The discount of ``module``'s intrinsic value head; None if it has none."""
    settings = (getattr(module, "model_config", None) or {}).get(INTRINSIC_CRITIC)
    if not settings or getattr(module, "intrinsic_vf", None) is None:
        return None
    return float(settings["gamma"])


def _require(batch: dict[str, Any], column: str) -> None:
    """A module with the head and a batch without its column: a wiring bug, never silent."""
    if column not in batch:
        raise RuntimeError(f"the module has an intrinsic value head but the batch has no {column}")


def vtrace_terms(
    module: Any,
    config: Any,
    batch: dict[str, Any],
    fwd_out: dict[str, Any],
    gamma: float,
    clip_param: float | None,
    standardise_advantages: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The intrinsic policy-gradient loss and value loss (each a mean over real steps).

    Args:
        module: The RLModule, with an intrinsic value head.
        config: The algorithm's config (rollout length, V-trace clipping).
        batch: The batch RLlib's loss saw (our learner's: behaviour logits as
            the old policy's, unless APPO's target network is on).
        fwd_out: The module's ``forward_train`` output.
        gamma: The intrinsic discount.
        clip_param: APPO's surrogate clip; None for IMPALA's plain policy gradient.
        standardise_advantages: Standardise the intrinsic advantages over the
            real steps, as the task's are (switch ``normalize_advantages``).
    """

    def time_major(tensor: torch.Tensor) -> torch.Tensor:
        return make_time_major(
            tensor,
            trajectory_len=config.get_rollout_fragment_length(),
            recurrent_seq_len=batch.get("seq_lens"),  # type: ignore[arg-type]
        )

    mask = time_major(batch[Columns.LOSS_MASK].float())
    real = mask.sum().clamp_min(1.0)
    values = module.compute_intrinsic_values(batch, embeddings=fwd_out.get(Columns.EMBEDDINGS))
    rewards = bootstrap_rewards(batch[INTRINSIC_REWARDS], values, batch[Columns.LOSS_MASK])
    values_tm = time_major(values)
    frozen = values_tm.detach()
    dist_cls = module.get_train_action_dist_cls()
    actions = batch[Columns.ACTIONS]
    target_logp = time_major(
        dist_cls.from_logits(fwd_out[Columns.ACTION_DIST_INPUTS]).logp(actions)
    )
    behaviour_logp = time_major(batch[Columns.ACTION_LOGP])
    if clip_param is None:
        old_logp = target_logp.detach()
    else:
        old_logits = module.forward_target(batch)[TARGET_NETWORK_ACTION_DIST_INPUTS]
        old_logp = time_major(dist_cls.from_logits(old_logits).logp(actions)).detach()
    discounts = (1.0 - time_major(batch[Columns.TERMINATEDS]).float()) * gamma * mask
    targets, advantages = vtrace_torch(
        target_action_log_probs=old_logp,
        behaviour_action_log_probs=behaviour_logp,
        discounts=discounts,
        rewards=time_major(rewards).to(frozen.dtype),
        values=frozen,
        bootstrap_values=torch.cat([frozen[0][1:], frozen[0][0:1]], dim=0),
        clip_rho_threshold=config.vtrace_clip_rho_threshold,
        clip_pg_rho_threshold=config.vtrace_clip_pg_rho_threshold,
    )
    advantages = advantages.detach() * mask
    if standardise_advantages:
        advantages = standardise(advantages, mask)
    if clip_param is None:
        policy = -(target_logp * advantages).sum() / real
    else:
        is_ratio = torch.clip(torch.exp(behaviour_logp - old_logp), 0.0, 2.0)
        ratio = is_ratio * torch.exp(target_logp - behaviour_logp)
        clipped = torch.clip(ratio, 1 - clip_param, 1 + clip_param)
        policy = -torch.minimum(advantages * ratio, advantages * clipped).sum() / real
    value = 0.5 * ((values_tm - targets.detach()) ** 2 * mask).sum() / real
    return policy, value


class _SecondCritic:
    """Mixin: the learner's loss plus the second critic's terms, for a module with the head.

    A pass-through for a module without one. Each algorithm says which batch
    column its terms need and what they are (:meth:`terms`).
    """

    #: The batch column the terms are computed from.
    column: str

    def terms(
        self, module: Any, config: Any, batch: dict[str, Any], fwd_out: dict[str, Any], gamma: float
    ) -> tuple[torch.Tensor | None, torch.Tensor]:
        """The intrinsic policy-gradient loss (None: in the advantages already) and value loss."""
        raise NotImplementedError

    def compute_loss_for_module(
        self, *, module_id: Any, config: Any, batch: dict[str, Any], fwd_out: dict[str, Any]
    ) -> Any:
        loss = super().compute_loss_for_module(  # type: ignore[misc]
            module_id=module_id, config=config, batch=batch, fwd_out=fwd_out
        )
        module = self.module[module_id].unwrapped()  # type: ignore[attr-defined]
        gamma = intrinsic_gamma(module)
        if gamma is None:
            return loss
        _require(batch, self.column)
        policy, value = self.terms(module, config, batch, fwd_out, gamma)
        self.metrics.log_value((module_id, INTRINSIC_VF_LOSS), value.detach(), window=1)  # type: ignore[attr-defined]
        if policy is not None:
            loss = loss + policy
        return loss + config.vf_loss_coeff * value


class IntrinsicVTrace(_SecondCritic):
    """APPO and IMPALA, behind our V-trace fix (it sees the batch RLlib's loss sees):
    :func:`vtrace_terms`."""

    column = INTRINSIC_REWARDS

    def terms(
        self, module: Any, config: Any, batch: dict[str, Any], fwd_out: dict[str, Any], gamma: float
    ) -> tuple[torch.Tensor | None, torch.Tensor]:
        clip = getattr(config, "clip_param", None)  # APPO's; IMPALA has none
        standard = switched_on(self, "normalize_advantages")
        return vtrace_terms(module, config, batch, fwd_out, gamma, clip, standard)


class IntrinsicAdvantages(ConnectorV2):
    """PPO: the task's raw GAE advantages plus the intrinsic ones, and the intrinsic head's targets.

    Runs after RLlib's GAE (whose advantages are standardised: the raw ones
    are its value targets minus the task head's values) and before
    :class:`~rllib_nethack.algorithms.actor_critic.connectors.StandardiseAdvantages`,
    which standardises the sum over the real steps. Lays its columns out as
    RLlib's GAE does (unpadded per chunk, then split and zero-padded).
    """

    def __init__(
        self,
        input_observation_space: Any = None,
        input_action_space: Any = None,
        *,
        lambda_: float = 1.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(input_observation_space, input_action_space, **kwargs)
        self.lambda_ = float(lambda_)

    def __call__(
        self,
        *,
        rl_module: Any,
        batch: dict[str, Any],
        episodes: list[Any],
        explore: bool | None = None,
        shared_data: dict[str, Any] | None = None,
        metrics: Any = None,
        **kwargs: Any,
    ) -> Any:
        lens = [len(e) for e in self.single_agent_episode_iterator(episodes, False)]
        for module_id, module_batch in batch.items():
            module = rl_module[module_id].unwrapped()
            gamma = intrinsic_gamma(module)
            if gamma is None:
                continue
            _require(module_batch, INTRINSIC_REWARDS)
            with torch.no_grad():
                embeddings, _ = module.embed(module_batch)
                task = module.compute_values(module_batch, embeddings=embeddings)
                own = module.compute_intrinsic_values(module_batch, embeddings=embeddings)
            device = task.device

            def flat(value: Any) -> np.ndarray:
                array = value.detach().cpu().numpy() if torch.is_tensor(value) else value
                return unpad_data_if_necessary(lens, np.asarray(array))

            targets = compute_value_targets(
                values=flat(own),
                rewards=flat(module_batch[INTRINSIC_REWARDS]),
                terminateds=flat(module_batch[Columns.TERMINATEDS]),
                truncateds=flat(module_batch[Columns.TRUNCATEDS]),
                gamma=gamma,
                lambda_=self.lambda_,
            )
            advantages = (
                flat(module_batch[Postprocessing.VALUE_TARGETS]) - flat(task) + targets - flat(own)
            )
            if module.is_stateful():
                width = module.model_config["max_seq_len"]
                advantages = np.stack(split_and_zero_pad_n_episodes(advantages, lens, width))
                targets = np.stack(split_and_zero_pad_n_episodes(targets, lens, width))
            module_batch[Postprocessing.ADVANTAGES] = torch.as_tensor(
                advantages, dtype=torch.float32, device=device
            )
            module_batch[INTRINSIC_VALUE_TARGETS] = torch.as_tensor(
                targets, dtype=torch.float32, device=device
            )
        return batch


class IntrinsicValueLoss(_SecondCritic):
    """PPO: the intrinsic head's squared error against its GAE targets (the policy
    follows the summed advantages :class:`IntrinsicAdvantages` made)."""

    column = INTRINSIC_VALUE_TARGETS

    def terms(
        self, module: Any, config: Any, batch: dict[str, Any], fwd_out: dict[str, Any], gamma: float
    ) -> tuple[torch.Tensor | None, torch.Tensor]:
        values = module.compute_intrinsic_values(batch, embeddings=fwd_out.get(Columns.EMBEDDINGS))
        mask = batch[Columns.LOSS_MASK].float()
        value = 0.5 * ((values - batch[INTRINSIC_VALUE_TARGETS]) ** 2 * mask).sum()
        return None, value / mask.sum().clamp_min(1.0)
