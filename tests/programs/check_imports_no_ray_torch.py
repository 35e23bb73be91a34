"""Check configs as the command line does, then print which of Ray and torch got imported
(tests/config/test_check_is_light.py): a fresh interpreter, since the test session has both."""

import contextlib
import io
import json
import sys

from rllib_nethack.config import compose_config, plan_from
from rllib_nethack.config.compose import compose_checked
from rllib_nethack.errors import ConfigError
from rllib_nethack.models import ARCHITECTURES
from rllib_nethack.run import main as run_main
from rllib_nethack.tasks import main as tasks_main

#: Mistakes a user makes, each checked to its one line.
BAD = (
    ["+task=chalenge"],
    ["+task=challenge", "model=minihak"],
    ["+task=challenge", "model.rnn_size=-3"],
    ["+task=room5x5", "algo=apo"],
    ["+task=room5x5", "task.options.max_episode_steps=0"],
)

report: dict[str, object] = {"errors": []}
for name in ARCHITECTURES:  # every model's observations, derived
    task = "+task=room5x5" if name == "minihack" else "+task=challenge"
    compose_checked([task, f"model={name}", "algo=ppo", "explore=e3b"])
plan = plan_from(compose_config(["+task=challenge"]))
report["reads"] = list(plan.env_options["observation_keys"])
for overrides in BAD:
    try:
        compose_checked(overrides)
    except ConfigError as err:
        report["errors"].append(str(err))  # type: ignore[attr-defined]
output = io.StringIO()
with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
    # (not --help: Hydra's help alone takes seconds, copying its config store per group)
    for argv in (["+task=chalenge"], ["+task=room5x5", "--cfg", "job"]):
        with contextlib.suppress(SystemExit):
            run_main(argv)
    tasks_main([])
report["cli_lines"] = len(output.getvalue().splitlines())
report["heavy"] = sorted(m for m in ("ray", "torch") if m in sys.modules)
print(json.dumps(report))
