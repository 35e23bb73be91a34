"""Our torch learners: RLlib 2.60's, with the bootstrap step handled right and
short episodes packed into shared LSTM sequences.

IMPALA/APPO: :func:`rllib_nethack.algorithms.actor_critic.vtrace.bootstrap_rewards` applied to
the batch before RLlib's own loss runs (see that module for the bug), and
their advantages standardised over each batch's real steps
(:mod:`.standardise`), as Sample Factory's and PPO's are. PPO: its
GAE targets are right, but its advantages are standardised over the bootstrap
steps too; :class:`StandardiseAdvantages` redoes that over the real steps. All
three end their learner pipeline with :class:`PackSequences`, and step the
optimizer through :class:`FastOptimizerStep` (fused Adam). A module with an
intrinsic value head (``explore.intrinsic_gamma``) gets its second critic
(:mod:`.intrinsic_critic`). All three count the env steps they train on
by each minibatch's real steps (:func:`real_env_steps`). The translation
(:mod:`rllib_nethack.config.translate`) selects these classes.

These changes can be switched off for before/after comparisons through RLlib's
``learner_config_dict`` (``algo.learner_config_dict={vtrace_fix: false,
pack_sequences: false, normalize_advantages: false}``), and APPO's target network switched back on
(``target_network: true``): see :mod:`.switches`. All three can add a BC loss
(:mod:`.demonstrations`) and a kickstarting term (:mod:`.kickstart`).
"""

from __future__ import annotations

from typing import Any

from ray.rllib.algorithms.appo.torch.appo_torch_learner import APPOTorchLearner
from ray.rllib.algorithms.impala.torch.impala_torch_learner import IMPALATorchLearner
from ray.rllib.algorithms.impala.torch.vtrace_torch_v2 import make_time_major
from ray.rllib.algorithms.ppo.torch.ppo_torch_learner import PPOTorchLearner
from ray.rllib.core.columns import Columns
from ray.rllib.policy.sample_batch import MultiAgentBatch

from rllib_nethack.algorithms.actor_critic.connectors import PackSequences, StandardiseAdvantages
from rllib_nethack.algorithms.actor_critic.demonstrations import DemonstrationLoss
from rllib_nethack.algorithms.actor_critic.intrinsic_critic import (
    IntrinsicAdvantages,
    IntrinsicValueLoss,
    IntrinsicVTrace,
    intrinsic_gamma,
)
from rllib_nethack.algorithms.actor_critic.kickstart import Kickstarting
from rllib_nethack.algorithms.actor_critic.learner_queue import block_instead_of_polling
from rllib_nethack.algorithms.actor_critic.standardise import standardised_vtrace
from rllib_nethack.algorithms.actor_critic.switches import switched_on
from rllib_nethack.algorithms.actor_critic.vtrace import bootstrap_rewards
from rllib_nethack.algorithms.optimizer import FastOptimizerStep
from rllib_nethack.models.module import OLD_POLICY_LOGITS


def _append_connectors(learner: Any, *connectors: Any) -> None:
    # After RLlib's own pieces (super().build() put GAE last for PPO).
    if (
        learner._learner_connector is not None
        and learner.config.add_default_connectors_to_learner_pipeline
    ):
        for connector in connectors:
            learner._learner_connector.append(connector)


class _VTraceFix:
    """Mixin in front of an RLlib V-trace learner: fix the rewards, then RLlib's loss.

    Its build also makes APPO's learner queue block instead of polling
    (:mod:`rllib_nethack.algorithms.actor_critic.learner_queue`).
    """

    def build(self) -> None:
        super().build()  # type: ignore[misc]
        block_instead_of_polling(self)
        if switched_on(self, "pack_sequences"):
            _append_connectors(self, PackSequences())

    def compute_loss_for_module(
        self, *, module_id: Any, config: Any, batch: dict[str, Any], fwd_out: dict[str, Any]
    ) -> Any:
        if not switched_on(self, "target_network"):
            batch = dict(batch)
            batch[OLD_POLICY_LOGITS] = batch[Columns.ACTION_DIST_INPUTS]
        if switched_on(self, "vtrace_fix"):
            module = self.module[module_id].unwrapped()  # type: ignore[attr-defined]
            # The value head on the trunk's embeddings, as RLlib's loss computes
            # it: the same numbers, so the phantom step's delta is exactly zero.
            values = module.compute_values(batch, embeddings=fwd_out.get(Columns.EMBEDDINGS))
            batch = dict(batch)
            batch[Columns.REWARDS] = bootstrap_rewards(
                batch[Columns.REWARDS], values, batch[Columns.LOSS_MASK]
            )
        if not switched_on(self, "normalize_advantages"):
            return super().compute_loss_for_module(  # type: ignore[misc]
                module_id=module_id, config=config, batch=batch, fwd_out=fwd_out
            )
        mask = make_time_major(
            batch[Columns.LOSS_MASK],
            trajectory_len=config.get_rollout_fragment_length(),
            recurrent_seq_len=batch.get("seq_lens"),  # type: ignore[arg-type]
        )
        with standardised_vtrace(mask):
            return super().compute_loss_for_module(  # type: ignore[misc]
                module_id=module_id, config=config, batch=batch, fwd_out=fwd_out
            )


def real_env_steps(batch: MultiAgentBatch) -> int:
    """The env steps a (mini)batch really holds: its modules' unmasked rows.

    Not ``batch.env_steps()``: RLlib 2.60's minibatch iterator labels each
    minibatch with the whole batch's size. The loss mask leaves out the
    bootstrap step the learner adds to each chunk and the padding of packed
    LSTM sequences; a module batch without one counts its rows.
    """
    steps = 0
    for module_batch in batch.policy_batches.values():
        mask = module_batch.get(Columns.LOSS_MASK)
        steps = max(steps, int(mask.sum()) if mask is not None else len(module_batch))
    return steps


class _CountRealStepsTrained:
    """Trained env steps (progress's "trained") grow by each minibatch's real steps.

    Without this, ``num_env_steps_trained_lifetime`` grew by the whole batch once
    per minibatch: 10x the env steps sampled with PPO's defaults (two epochs of
    minibatches of 256) instead of 2x; APPO/IMPALA only with a ``minibatch_size``.
    """

    def _log_steps_trained_metrics(self, batch: MultiAgentBatch) -> None:
        relabelled = MultiAgentBatch(batch.policy_batches, real_env_steps(batch))
        super()._log_steps_trained_metrics(relabelled)  # type: ignore[misc]


class NetHackIMPALATorchLearner(  # type: ignore[misc]
    FastOptimizerStep,
    Kickstarting,
    DemonstrationLoss,
    _VTraceFix,
    _CountRealStepsTrained,
    IntrinsicVTrace,
    IMPALATorchLearner,
):
    """IMPALA whose cut and time-limited chunks bootstrap from ``V(o_T)``."""


class NetHackAPPOTorchLearner(  # type: ignore[misc]
    FastOptimizerStep,
    Kickstarting,
    DemonstrationLoss,
    _VTraceFix,
    _CountRealStepsTrained,
    IntrinsicVTrace,
    APPOTorchLearner,
):
    """APPO whose cut and time-limited chunks bootstrap from ``V(o_T)``."""


class NetHackPPOTorchLearner(  # type: ignore[misc]
    FastOptimizerStep,
    Kickstarting,
    DemonstrationLoss,
    _CountRealStepsTrained,
    IntrinsicValueLoss,
    PPOTorchLearner,
):
    """PPO whose advantages are standardised over real steps only."""

    def build(self) -> None:
        super().build()
        connectors: list[Any] = []
        modules = [self.module[mid] for mid in self.module.keys()]  # noqa: SIM118 (not a dict)
        two_critics = any(intrinsic_gamma(m.unwrapped()) for m in modules)
        if two_critics:  # the sum of both advantages, standardised below
            lambda_ = self.config.lambda_  # type: ignore[attr-defined]
            connectors.append(IntrinsicAdvantages(lambda_=lambda_))
        if two_critics or switched_on(self, "vtrace_fix"):  # the bootstrap step's bug family
            connectors.append(StandardiseAdvantages())
        if switched_on(self, "pack_sequences"):
            connectors.append(PackSequences())
        _append_connectors(self, *connectors)
