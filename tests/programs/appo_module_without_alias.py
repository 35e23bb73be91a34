"""Build APPO's RLModule as RLlib does in each process, and print whether the deprecated
module ARGV[1] was imported (tests/algorithms/actor_critic/test_appo_config.py): a fresh
interpreter, since the test's own may have imported it already."""

import sys

from rllib_nethack.config.compose import compose_config
from rllib_nethack.config.translate import build_algorithm_config
from rllib_nethack.envs import make_env

config = build_algorithm_config(compose_config(["+task=room5x5", "debug=smoke"]))
assert isinstance(config.env, str)
env = make_env(config.env, **config.env_config)
config.get_rl_module_spec(env=env).build()
print(sys.argv[1] in sys.modules)
