"""A checkpoint's policy module, restored without Ray: the one way every reader loads it
(``load_policy``, ``init_from``, a kickstarting teacher)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from rllib_nethack.errors import ConfigError
from rllib_nethack.runs.layout import MODULE_PATH

#: Loggers RLlib's deprecation warnings go through (it moved them between releases).
_DEPRECATION_LOGGERS = ("ray._common.deprecation", "ray.rllib.utils.deprecation")


class _QuietDeprecations(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "DeprecationWarning" not in record.getMessage()


def restore_module(checkpoint: Path) -> Any:
    """The RLModule the checkpoint's learner trained (policy and value heads).

    Raises:
        ConfigError: the checkpoint holds no module, or one that cannot be restored.
    """
    from ray.rllib.core.rl_module.rl_module import RLModule

    path = checkpoint / MODULE_PATH
    if not path.is_dir():
        raise ConfigError(f"checkpoint {checkpoint} holds no policy module ({path} is missing)")
    # RLlib's restore path warns about its own deprecated constructor call.
    quiet = _QuietDeprecations()
    for name in _DEPRECATION_LOGGERS:
        logging.getLogger(name).addFilter(quiet)
    try:
        return RLModule.from_checkpoint(str(path))
    except Exception as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ConfigError(f"checkpoint {checkpoint}: cannot restore its model ({first})") from None
    finally:
        for name in _DEPRECATION_LOGGERS:
            logging.getLogger(name).removeFilter(quiet)
