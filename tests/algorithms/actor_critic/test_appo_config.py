"""APPO's config names RLlib's default module by its current class, not the deprecated alias."""

from __future__ import annotations

import pytest
from commands import run_program
from ray.rllib.algorithms.appo.torch.default_appo_torch_rl_module import DefaultAPPOTorchRLModule

from rllib_nethack.algorithms.actor_critic.appo_config import NetHackAPPOConfig
from rllib_nethack.algorithms.registry import get_algorithm

#: RLlib's deprecated alias; importing it logs a DeprecationWarning in every process.
ALIAS = "ray.rllib.algorithms.appo.torch.appo_torch_rl_module"


def test_the_default_module_is_rllibs_current_class() -> None:
    assert get_algorithm("appo").config_class is NetHackAPPOConfig
    spec = NetHackAPPOConfig().get_default_rl_module_spec()
    assert spec.module_class is DefaultAPPOTorchRLModule


@pytest.mark.slow
def test_building_appos_module_never_imports_the_deprecated_alias() -> None:
    done = run_program("appo_module_without_alias", ALIAS, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "False"
    assert "APPOTorchRLModule" not in done.stderr
