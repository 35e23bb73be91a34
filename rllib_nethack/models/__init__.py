"""Torch RLModules for NetHack and MiniHack on RLlib's current API stack.

``MODELS`` maps a model name (``chaotic_dwarf``, ``baseline``, ``perceiver``,
``minihack``) to its RLModule class; :func:`get_model_class` looks one up with
a clear error for an unknown name.
"""

from rllib_nethack.models.module import (
    MODELS,
    BaselineModule,
    ChaoticDwarfModule,
    MiniHackModule,
    NetHackRLModule,
    PerceiverModule,
    get_model_class,
)

__all__ = [
    "MODELS",
    "BaselineModule",
    "ChaoticDwarfModule",
    "MiniHackModule",
    "NetHackRLModule",
    "PerceiverModule",
    "get_model_class",
]
