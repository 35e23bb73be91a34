"""Our torch learners: RLlib 2.60's, with the bootstrap step handled right.

IMPALA/APPO: :func:`rllib_nethack.training.vtrace.bootstrap_rewards` applied to
the batch before RLlib's own loss runs (see that module for the bug). PPO: its
GAE targets are right, but its advantages are standardised over the bootstrap
steps too; :class:`StandardiseAdvantages` redoes that over the real steps. The
translation (:mod:`rllib_nethack.config.translate`) selects these classes.
"""

from __future__ import annotations

from typing import Any

from ray.rllib.algorithms.appo.torch.appo_torch_learner import APPOTorchLearner
from ray.rllib.algorithms.impala.torch.impala_torch_learner import IMPALATorchLearner
from ray.rllib.algorithms.ppo.torch.ppo_torch_learner import PPOTorchLearner
from ray.rllib.core.columns import Columns

from rllib_nethack.training.connectors import StandardiseAdvantages
from rllib_nethack.training.vtrace import bootstrap_rewards


class _BootstrapFix:
    """Mixin in front of an RLlib V-trace learner: fix the rewards, then RLlib's loss."""

    def compute_loss_for_module(
        self, *, module_id: Any, config: Any, batch: dict[str, Any], fwd_out: dict[str, Any]
    ) -> Any:
        module = self.module[module_id].unwrapped()  # type: ignore[attr-defined]
        # The value head on the trunk's embeddings, as RLlib's loss computes it:
        # the same numbers, so the phantom step's delta is exactly zero.
        values = module.compute_values(batch, embeddings=fwd_out.get(Columns.EMBEDDINGS))
        fixed = dict(batch)
        fixed[Columns.REWARDS] = bootstrap_rewards(
            batch[Columns.REWARDS], values, batch[Columns.LOSS_MASK]
        )
        return super().compute_loss_for_module(  # type: ignore[misc]
            module_id=module_id, config=config, batch=fixed, fwd_out=fwd_out
        )


class NetHackIMPALATorchLearner(_BootstrapFix, IMPALATorchLearner):  # type: ignore[misc]
    """IMPALA whose cut and time-limited chunks bootstrap from ``V(o_T)``."""


class NetHackAPPOTorchLearner(_BootstrapFix, APPOTorchLearner):  # type: ignore[misc]
    """APPO whose cut and time-limited chunks bootstrap from ``V(o_T)``."""


class NetHackPPOTorchLearner(PPOTorchLearner):
    """PPO whose advantages are standardised over real steps only."""

    def build(self) -> None:
        super().build()
        if (
            self._learner_connector is not None
            and self.config.add_default_connectors_to_learner_pipeline
        ):
            # After RLlib's GAE connector, which super().build() appended last.
            self._learner_connector.append(StandardiseAdvantages())


#: Algorithm name -> our learner class.
LEARNERS: dict[str, type[Any]] = {
    "appo": NetHackAPPOTorchLearner,
    "impala": NetHackIMPALATorchLearner,
    "ppo": NetHackPPOTorchLearner,
}
