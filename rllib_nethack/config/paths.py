"""Where the packaged Hydra configs live."""

from __future__ import annotations

from pathlib import Path


def config_dir() -> Path:
    """The ``conf`` directory: inside the installed package, or the source tree's top level.

    A wheel ships the top-level ``conf/`` as ``rllib_nethack/conf``; an editable
    install or a source checkout uses ``conf/`` beside the package.
    """
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "conf", package.parent / "conf"):
        if (candidate / "config.yaml").is_file():
            return candidate
    raise FileNotFoundError(f"no config.yaml under {package / 'conf'} or {package.parent / 'conf'}")
