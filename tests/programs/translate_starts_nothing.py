"""Translate a config and print whether Ray is running (tests/config/test_translate.py):
a fresh interpreter, since other tests in the session may have started Ray."""

import ray

from rllib_nethack.config import build_algorithm_config, compose_config

build_algorithm_config(compose_config(["+task=room5x5"]))
print(ray.is_initialized())
