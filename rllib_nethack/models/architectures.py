"""Architectures by name: each one's settings, its encoder parts, and its builder.

An architecture turns ``model_config`` into a :class:`CombinedEncoder`: a dict
of named encoders whose outputs are concatenated in sorted name order (so the
layout never depends on dict ordering) and optionally fused by an MLP.

Sizes come from the architecture's settings dataclass; every field can be set
from ``model_config`` (and hence from ``model.*`` overrides on the command line).
The dataclasses are the one source of a model's defaults: they are also the
``model/`` group of the Hydra config (see :mod:`rllib_nethack.config.store`).

What a model reads is derived, never stated: :meth:`Architecture.parts` names
the encoder parts some settings select, and each part's keys are in
:data:`~rllib_nethack.models.parts.PART_KEYS`. The env is then built with
exactly those keys. This module imports no torch: the config check reads it
(names, settings, ``parse``, ``reads``); the torch builders
(:mod:`rllib_nethack.models.builders`) load when a module is built, through
:mod:`rllib_nethack.lazy`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rllib_nethack.envs.render import DEFAULT_CROP_DIM, DEFAULT_PIXEL_SIZE
from rllib_nethack.errors import ConfigError, suggestion
from rllib_nethack.fields import at_least, check_fields
from rllib_nethack.lazy import load
from rllib_nethack.models.parts import PART_KEYS, SpaceMap, check_screen_size

if TYPE_CHECKING:
    from rllib_nethack.models.combined import CombinedEncoder


@dataclass(frozen=True)
class CoreSettings:
    """The core every architecture ends in: an LSTM of ``rnn_size`` (0: none).

    ``core_skip`` lets the policy and value heads read the encoder's features
    beside the LSTM's output. Without it, whatever the heads learn from the
    current frame must first pass the LSTM's gates, which the LSTM learns slowly
    (behavioural cloning of a demonstrator whose next key follows from the
    last: benchmarks/RESULTS.md, "LSTM core"). Off by default: checkpoints keep
    their shapes, and its effect on RL is not yet measured.
    """

    rnn_size: int = field(default=512, metadata=at_least(0))  # 0: no LSTM
    core_skip: bool = False


@dataclass(frozen=True)
class ChaoticDwarfTtySettings(CoreSettings):
    """ChaoticDwarvenGPT5 on the terminal alone (Sample Factory's ``use_tty_only``).

    The message line (row 0), the two status lines (rows 22-23) and the screen
    crop around the cursor are all read from ``tty_chars``/``tty_colors``/
    ``tty_cursor``: what a ttyrec records, so a policy cloned from recorded games
    runs unchanged in the env. ``use_prev_action`` adds the previous action, which
    the env provides and a ttyrec's keypresses give; false reads the tty alone.
    """

    top_line_hidden: tuple[int, ...] = (128, 128)
    bottom_lines_hidden: tuple[int, ...] = (128, 128)
    screen_hidden: int = 512
    crop_dim: int = DEFAULT_CROP_DIM
    pixel_size: int = DEFAULT_PIXEL_SIZE
    use_prev_action: bool = True


@dataclass(frozen=True)
class ChaoticDwarfSettings(ChaoticDwarfTtySettings):
    """Sample Factory's ChaoticDwarvenGPT5 structure: the tty model plus NLE's blstats."""

    blstats_hidden: tuple[int, ...] = (128, 128)
    use_blstats: bool = True


@dataclass(frozen=True)
class BaselineSettings(CoreSettings):
    """NLE paper's NetHackNet: glyph CNNs over the map and a crop around the hero."""

    glyph_embedding: int = 32
    map_channels: tuple[int, ...] = (16, 16, 16, 16, 8)
    crop_dim: int = 9
    blstats_hidden: tuple[int, ...] = (32, 32)
    hidden: tuple[int, ...] = (512, 512)
    use_message: bool = False
    message_hidden: int = 64
    use_prev_action: bool = False


@dataclass(frozen=True)
class PerceiverSettings(CoreSettings):
    """Perceiver-style latent attention over glyph tokens, blstats and message."""

    dim: int = 64
    num_latents: int = 16
    blocks: int = 2
    self_layers: int = 1
    cross_heads: int = 2
    self_heads: int = 4
    ffn: int = 128
    hidden: int = 256
    use_prev_action: bool = False
    rnn_size: int = field(default=256, metadata=at_least(0))  # 0: no LSTM


@dataclass(frozen=True)
class MiniHackSettings(CoreSettings):
    """MiniHack baseline: glyph CNNs over the full map and the agent-centred crop."""

    glyph_embedding: int = 16
    map_channels: tuple[int, ...] = (16, 8)
    map_stride: int = 2
    crop_channels: tuple[int, ...] = (16, 16)
    blstats_hidden: tuple[int, ...] = (64, 64)
    use_message: bool = True
    message_hidden: int = 64
    hidden: tuple[int, ...] = (256,)
    use_prev_action: bool = False
    rnn_size: int = field(default=256, metadata=at_least(0))  # 0: no LSTM


def _prev_action(use: bool) -> tuple[str, ...]:
    return ("prev_action",) if use else ()


def _screen_parts() -> tuple[str, ...]:
    # The same part names in both models: a tty model's weights load into
    # chaotic_dwarf with use_blstats=false and back.
    return ("top_line", "bottom_lines", "screen")


def _chaotic_dwarf_tty_parts(s: ChaoticDwarfTtySettings) -> tuple[str, ...]:
    return (*_screen_parts(), *_prev_action(s.use_prev_action))


def _chaotic_dwarf_parts(s: ChaoticDwarfSettings) -> tuple[str, ...]:
    # Parts are built in this order, so it fixes their initial weights for a seed.
    blstats = ("blstats",) if s.use_blstats else ()
    return (*_screen_parts(), *blstats, *_prev_action(s.use_prev_action))


def _baseline_parts(s: BaselineSettings) -> tuple[str, ...]:
    message = ("message",) if s.use_message else ()
    return ("glyphs", "hero_crop", "blstats", *message, *_prev_action(s.use_prev_action))


def _perceiver_parts(s: PerceiverSettings) -> tuple[str, ...]:
    return ("perceiver", *_prev_action(s.use_prev_action))


def _minihack_parts(s: MiniHackSettings) -> tuple[str, ...]:
    message = ("message",) if s.use_message else ()
    return ("glyphs", "glyphs_crop", "blstats", *message, *_prev_action(s.use_prev_action))


#: ``(settings, part names, number of actions, observation spaces) -> encoder``.
BuildFn = Callable[[Any, tuple[str, ...], int, SpaceMap], "CombinedEncoder"]


@dataclass(frozen=True)
class Architecture:
    """A named encoder recipe: its settings class, the parts some settings
    select, and the import path of its torch builder."""

    name: str
    settings: type
    #: The encoder parts (keys of :data:`PART_KEYS`) the settings select.
    parts: Callable[[Any], tuple[str, ...]]
    #: ``"module:function"`` of the builder (a :data:`BuildFn`), loaded on first build.
    builder: str

    def parse(self, model_config: Mapping[str, Any], allowed_extra: Iterable[str] = ()) -> Any:
        """Settings from ``model_config`` (the one check of a model's settings).

        Raises:
            ConfigError: naming the first unknown key, the closest setting and
                all of them (``allowed_extra`` keys pass but are not listed),
                or a value of the wrong type or out of range.
        """
        values = check_fields(
            self.settings,
            model_config,
            name="model.{}",
            of=f" of model {self.name!r}",
            extra=allowed_extra,
            none_is_default=True,
            int_min=1,
        )
        settings = self.settings(**values)
        if "screen" in self.parts(settings):
            check_screen_size(settings.crop_dim, settings.pixel_size)
        return settings

    def build(self, settings: Any, num_actions: int, spaces: SpaceMap) -> CombinedEncoder:
        """The encoder of ``settings`` (imports torch)."""
        build: BuildFn = load(self.builder)
        return build(settings, self.parts(settings), num_actions, spaces)

    def reads(self, settings: Any) -> tuple[str, ...]:
        """The observation keys the encoders built from ``settings`` read (sorted)."""
        return tuple(sorted({key for part in self.parts(settings) for key in PART_KEYS[part]}))

    def screen_crop(self, settings: Any) -> tuple[int, int] | None:
        """``(crop_dim, pixel_size)`` of the screen image the model draws, if it draws one.

        An env asked for ``screen_image`` must draw it at this size.
        """
        if "screen" not in self.parts(settings):
            return None
        return settings.crop_dim, settings.pixel_size


#: The key naming the model (a key of :data:`ARCHITECTURES`), in the run
#: config's ``model`` group (``model.name``) and in the RLModule's ``model_config`` alike.
MODEL_NAME_KEY = "name"

_BUILDERS = "rllib_nethack.models.builders"

#: Model name -> architecture: the one table of models (``model=NAME``).
ARCHITECTURES: dict[str, Architecture] = {
    arch.name: arch
    for arch in (
        Architecture(
            "chaotic_dwarf",
            ChaoticDwarfSettings,
            _chaotic_dwarf_parts,
            f"{_BUILDERS}:build_chaotic_dwarf",
        ),
        Architecture(
            "chaotic_dwarf_tty",
            ChaoticDwarfTtySettings,
            _chaotic_dwarf_tty_parts,
            f"{_BUILDERS}:build_chaotic_dwarf",
        ),
        Architecture("baseline", BaselineSettings, _baseline_parts, f"{_BUILDERS}:build_baseline"),
        Architecture(
            "perceiver", PerceiverSettings, _perceiver_parts, f"{_BUILDERS}:build_perceiver"
        ),
        Architecture("minihack", MiniHackSettings, _minihack_parts, f"{_BUILDERS}:build_minihack"),
    )
}


def get_architecture(name: str) -> Architecture:
    """The architecture called ``name`` (a ConfigError with the closest names if none is)."""
    try:
        return ARCHITECTURES[name]
    except KeyError:
        raise ConfigError(
            f"unknown model {name!r}{suggestion(name, ARCHITECTURES)} "
            f"(models: {', '.join(ARCHITECTURES)})"
        ) from None
