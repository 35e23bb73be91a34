"""Torch RLModules for NetHack and MiniHack on RLlib's current API stack.

``ARCHITECTURES`` maps a model name (``chaotic_dwarf``, ``chaotic_dwarf_tty``,
``baseline``, ``perceiver``, ``minihack``) to its architecture; :func:`get_architecture` looks
one up with a clear error for an unknown name, and :func:`module_spec` gives
the RLModuleSpec that trains it. Every model is one class, :class:`NetHackRLModule`.

The table imports no torch (the config check reads it); the module's names
load RLlib and torch on first use (:mod:`rllib_nethack.lazy`).
"""

from rllib_nethack.lazy import lazy_attributes
from rllib_nethack.models.architectures import ARCHITECTURES, Architecture, get_architecture

__getattr__ = lazy_attributes(
    __name__,
    {
        name: f"rllib_nethack.models.module:{name}"
        for name in ("NetHackRLModule", "build_trunk", "module_spec")
    },
)

__all__ = [
    "ARCHITECTURES",
    "Architecture",
    "NetHackRLModule",
    "build_trunk",
    "get_architecture",
    "module_spec",
]
