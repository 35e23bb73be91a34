"""APPO's config, with RLlib's default module named by its current class.

RLlib 2.60's ``APPOConfig.get_default_rl_module_spec`` imports its default
module through the deprecated alias ``appo_torch_rl_module.APPOTorchRLModule``,
and ``get_rl_module_spec`` asks for that default even when a run brings its own
module (ours always does): every process that builds an APPO module (driver,
each env runner, each learner) printed a ``DeprecationWarning``. This subclass
names the same class by its current name, ``DefaultAPPOTorchRLModule``; the
settings, their defaults and the algorithm are APPO's own.
"""

from __future__ import annotations

from ray.rllib.algorithms.appo import APPOConfig
from ray.rllib.core.rl_module.rl_module import RLModuleSpec


class NetHackAPPOConfig(APPOConfig):
    """RLlib's ``APPOConfig`` whose default module spec avoids the deprecated alias."""

    def get_default_rl_module_spec(self) -> RLModuleSpec:
        if self.framework_str != "torch":
            return super().get_default_rl_module_spec()  # RLlib's own error for other frameworks
        from ray.rllib.algorithms.appo.torch.default_appo_torch_rl_module import (
            DefaultAPPOTorchRLModule,
        )

        return RLModuleSpec(module_class=DefaultAPPOTorchRLModule)
