"""The on/off switches of our actor-critic learners (``algo.learner_config_dict``).

Apart from the learners so that the config check (``check_switches``, run by
the algorithm table before Ray starts) imports neither RLlib nor torch.
"""

from __future__ import annotations

from typing import Any

from rllib_nethack.errors import ConfigError, suggestion

#: ``learner_config_dict`` keys our learners read -> their defaults.
#: ``target_network`` (APPO only): off (the default), the old policy of APPO's
#: surrogate and V-trace is the behaviour policy the env runners acted with, as
#: in Sample Factory's APPO and IMPALA (our module's ``forward_target`` reads it;
#: a module of RLlib's keeps its target network); on, RLlib's target network,
#: whose forward pass is about a fifth of a CPU update (end to end on 2 CPUs:
#: ``benchmarks/RESULTS.md``).
#: ``normalize_advantages`` (IMPALA, APPO): V-trace advantages standardised over
#: each batch's real steps before the policy loss, as Sample Factory does
#: (:mod:`.standardise`); PPO's are standardised either way.
SWITCHES = {
    "vtrace_fix": True,
    "pack_sequences": True,
    "target_network": False,
    "normalize_advantages": True,
}


def check_switches(learner_config_dict: Any) -> None:
    """ConfigError for a key of ``algo.learner_config_dict`` that is not a switch,
    or a switch set to anything but true/false (``off`` would read as true)."""
    for key, value in dict(learner_config_dict or {}).items():
        if key not in SWITCHES:
            raise ConfigError(
                f"algo.learner_config_dict has no switch {key!r}{suggestion(str(key), SWITCHES)}"
                f" (switches: {', '.join(SWITCHES)})"
            )
        if not isinstance(value, bool):
            raise ConfigError(
                f"algo.learner_config_dict.{key} must be true or false, got {value!r}"
            )


def switched_on(learner: Any, name: str) -> bool:
    """Whether switch ``name`` (a key of :data:`SWITCHES`) is on in the learner's config."""
    return bool((learner.config.learner_config_dict or {}).get(name, SWITCHES[name]))
