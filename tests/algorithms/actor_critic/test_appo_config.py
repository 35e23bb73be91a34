"""APPO's config names RLlib's default module by its current class, not the deprecated alias."""

from __future__ import annotations

import subprocess
import sys

import pytest
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
    # A fresh interpreter: this one may have imported the alias already.
    script = (
        "import sys\n"
        "from rllib_nethack.config.compose import compose_config\n"
        "from rllib_nethack.config.translate import build_algorithm_config\n"
        "config = build_algorithm_config(compose_config(['+task=room5x5', 'debug=smoke']))\n"
        "from rllib_nethack.envs import make_env\n"
        "env = make_env(config.env, **config.env_config)\n"
        "config.get_rl_module_spec(env=env).build()  # as RLlib builds it in each process\n"
        f"print({ALIAS!r} in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "False"
    assert "APPOTorchRLModule" not in done.stderr
