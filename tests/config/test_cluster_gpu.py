"""``cluster=gpu``: real RLlib settings; on a machine without CUDA, one clear line."""

from __future__ import annotations

import pytest
import torch
from ray.rllib.algorithms.appo import APPOConfig

from rllib_nethack import ConfigError
from rllib_nethack.config import build_algorithm_config
from rllib_nethack.config import compose_config as compose_run
from rllib_nethack.config.translate import is_setting


def test_gpu_cluster_keys_are_real_settings() -> None:
    settings = compose_run(["+task=score", "cluster=gpu"]).cluster.rllib
    assert settings.num_gpus_per_learner == 1
    assert [key for key in settings if not is_setting(APPOConfig(), key)] == []


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_local_gpu_learner_without_cuda_is_one_line() -> None:
    with pytest.raises(ConfigError, match="sees none") as err:
        build_algorithm_config(compose_run(["+task=score", "cluster=gpu"]))
    assert "\n" not in str(err.value)


def test_remote_gpu_learners_do_not_need_a_local_gpu() -> None:
    cfg = compose_run(["+task=score", "cluster=gpu", "cluster.rllib.num_learners=2"])
    assert build_algorithm_config(cfg).num_gpus_per_learner == 1
