"""NetHack and MiniHack tasks as gymnasium environments (see :func:`make_env`)."""

from rllib_nethack.envs.catalog import TaskSpec, all_task_specs, get_task, list_tasks
from rllib_nethack.envs.factory import make_env
from rllib_nethack.envs.options import EnvOptions, parse_options
from rllib_nethack.envs.registration import TaskEnvCreator, register_envs, register_task

__all__ = [
    "EnvOptions",
    "TaskEnvCreator",
    "TaskSpec",
    "all_task_specs",
    "get_task",
    "list_tasks",
    "make_env",
    "parse_options",
    "register_envs",
    "register_task",
]
