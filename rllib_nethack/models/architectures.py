"""Encoder architectures: which per-key encoders a model uses, and their sizes.

An architecture turns ``model_config`` into a :class:`CombinedEncoder`: a dict
of named encoders whose outputs are concatenated in sorted name order (so the
layout never depends on dict ordering) and optionally fused by an MLP.

Sizes come from the architecture's settings dataclass; every field can be set
from ``model_config`` (and hence from ``model.*`` overrides on the command line).
The dataclasses are the one source of a model's defaults: they are also the
``model/`` group of the Hydra config (see :mod:`rllib_nethack.config.store`).

What a model reads is derived, never stated: :meth:`Architecture.reads` builds
the encoders of some settings (on torch's ``meta`` device, so nothing is
allocated) and collects the observation keys they declare. The env is then
built with exactly those keys.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import torch
from nle import nethack
from torch import nn

from rllib_nethack.envs.render import DEFAULT_CROP_DIM, DEFAULT_PIXEL_SIZE
from rllib_nethack.errors import ConfigError, suggestion
from rllib_nethack.fields import at_least, check_fields
from rllib_nethack.models.encoders import (
    NUM_GLYPHS,
    BlstatsEncoder,
    BottomLinesEncoder,
    GlyphMapEncoder,
    HeroCropEncoder,
    KeyEncoder,
    MessageEncoder,
    Obs,
    PerceiverGlyphEncoder,
    PrevActionEncoder,
    ScreenImageEncoder,
    TopLineEncoder,
)
from rllib_nethack.models.layers import mlp

#: Observation spaces by key (the model's observation space, as a mapping).
SpaceMap = Mapping[str, Any]


class CombinedEncoder(nn.Module):
    """Named encoders, concatenated in sorted name order, then an optional fusion MLP."""

    def __init__(
        self,
        parts: Mapping[str, KeyEncoder],
        fusion: tuple[int, ...] = (),
        activation: type[nn.Module] = nn.ELU,
    ) -> None:
        super().__init__()
        self.parts = nn.ModuleDict({name: parts[name] for name in sorted(parts)})
        width = sum(parts[name].out_dim for name in parts)
        self.fusion = mlp(width, fusion, activation) if fusion else nn.Identity()
        self.out_dim = fusion[-1] if fusion else width

    def forward(self, obs: Obs) -> torch.Tensor:
        features = [part(obs) for part in self.parts.values()]
        return self.fusion(torch.cat(features, dim=-1))

    def missing(self, spaces: SpaceMap) -> dict[str, list[str]]:
        """Per encoder, the observation keys it needs but ``spaces`` lacks."""
        gaps = {name: cast(KeyEncoder, part).missing(spaces) for name, part in self.parts.items()}
        return {name: keys for name, keys in gaps.items() if keys}


# --------------------------------------------------------------------------- settings
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


def _with_prev_action(
    parts: dict[str, KeyEncoder], use: bool, num_actions: int
) -> dict[str, KeyEncoder]:
    if use:
        parts["prev_action"] = PrevActionEncoder(num_actions)
    return parts


def _tty_parts(s: ChaoticDwarfTtySettings) -> dict[str, KeyEncoder]:
    # The same part names in both models: a tty model's weights load into
    # chaotic_dwarf with use_blstats=false and back.
    return {
        "top_line": TopLineEncoder(s.top_line_hidden),
        "bottom_lines": BottomLinesEncoder(s.bottom_lines_hidden),
        "screen": ScreenImageEncoder(s.screen_hidden, s.crop_dim, s.pixel_size),
    }


def build_chaotic_dwarf_tty(
    s: ChaoticDwarfTtySettings, num_actions: int, spaces: SpaceMap
) -> CombinedEncoder:
    return CombinedEncoder(_with_prev_action(_tty_parts(s), s.use_prev_action, num_actions))


def build_chaotic_dwarf(
    s: ChaoticDwarfSettings, num_actions: int, spaces: SpaceMap
) -> CombinedEncoder:
    parts = _tty_parts(s)
    if s.use_blstats:
        parts["blstats"] = BlstatsEncoder(s.blstats_hidden, concat_normalized=True)
    return CombinedEncoder(_with_prev_action(parts, s.use_prev_action, num_actions))


def build_baseline(s: BaselineSettings, num_actions: int, spaces: SpaceMap) -> CombinedEncoder:
    embedding = nn.Embedding(NUM_GLYPHS, s.glyph_embedding)
    parts: dict[str, KeyEncoder] = {
        "glyphs": GlyphMapEncoder("glyphs", nethack.DUNGEON_SHAPE, embedding, s.map_channels),
        "hero_crop": HeroCropEncoder(s.crop_dim, embedding, s.map_channels),
        "blstats": BlstatsEncoder(s.blstats_hidden, concat_normalized=False),
    }
    if s.use_message:
        parts["message"] = MessageEncoder(s.message_hidden)
    parts = _with_prev_action(parts, s.use_prev_action, num_actions)
    return CombinedEncoder(parts, fusion=s.hidden, activation=nn.ReLU)


def build_perceiver(s: PerceiverSettings, num_actions: int, spaces: SpaceMap) -> CombinedEncoder:
    parts: dict[str, KeyEncoder] = {
        "perceiver": PerceiverGlyphEncoder(
            s.dim,
            s.num_latents,
            s.blocks,
            s.self_layers,
            s.cross_heads,
            s.self_heads,
            s.ffn,
            s.hidden,
        )
    }
    return CombinedEncoder(_with_prev_action(parts, s.use_prev_action, num_actions))


def build_minihack(s: MiniHackSettings, num_actions: int, spaces: SpaceMap) -> CombinedEncoder:
    crop = spaces.get("glyphs_crop")
    crop_shape = tuple(crop.shape) if crop is not None and crop.shape else (9, 9)
    embedding = nn.Embedding(NUM_GLYPHS, s.glyph_embedding)
    parts: dict[str, KeyEncoder] = {
        "glyphs": GlyphMapEncoder(
            "glyphs", nethack.DUNGEON_SHAPE, embedding, s.map_channels, s.map_stride
        ),
        "glyphs_crop": GlyphMapEncoder("glyphs_crop", crop_shape[:2], embedding, s.crop_channels),
        "blstats": BlstatsEncoder(s.blstats_hidden, concat_normalized=False),
    }
    if s.use_message:
        parts["message"] = MessageEncoder(s.message_hidden)
    parts = _with_prev_action(parts, s.use_prev_action, num_actions)
    return CombinedEncoder(parts, fusion=s.hidden)


@dataclass(frozen=True)
class Architecture:
    """A named encoder recipe: its settings class and its builder."""

    name: str
    settings: type
    build: Callable[..., CombinedEncoder]

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
        return self.settings(**values)

    def reads(self, settings: Any) -> tuple[str, ...]:
        """The observation keys the encoders built from ``settings`` read (sorted)."""
        return _reads(self, settings)

    def screen_crop(self, settings: Any) -> tuple[int, int] | None:
        """``(crop_dim, pixel_size)`` of the screen image the model draws, if it draws one.

        An env asked for ``screen_image`` must draw it at this size.
        """
        return _screen_crop(self, settings)


@functools.cache
def _meta_encoder(arch: Architecture, settings: Any) -> CombinedEncoder:
    # The meta device gives shapes without memory: deriving the keys of a
    # 10M-parameter model costs milliseconds.
    with torch.device("meta"):
        return arch.build(settings, 1, {})


def _reads(arch: Architecture, settings: Any) -> tuple[str, ...]:
    encoder = _meta_encoder(arch, settings)
    parts = [cast(KeyEncoder, part) for part in encoder.parts.values()]
    return tuple(sorted({k for part in parts for k in part.keys}))


def _screen_crop(arch: Architecture, settings: Any) -> tuple[int, int] | None:
    for part in _meta_encoder(arch, settings).parts.values():
        if isinstance(part, ScreenImageEncoder):
            return part.renderer.crop_dim, part.renderer.pixel_size
    return None


#: The key naming the model (a key of :data:`ARCHITECTURES`), in the run
#: config's ``model`` group (``model.name``) and in the RLModule's ``model_config`` alike.
MODEL_NAME_KEY = "name"


#: Model name -> architecture: the one table of models (``model=NAME``).
ARCHITECTURES: dict[str, Architecture] = {
    arch.name: arch
    for arch in (
        Architecture("chaotic_dwarf", ChaoticDwarfSettings, build_chaotic_dwarf),
        Architecture("chaotic_dwarf_tty", ChaoticDwarfTtySettings, build_chaotic_dwarf_tty),
        Architecture("baseline", BaselineSettings, build_baseline),
        Architecture("perceiver", PerceiverSettings, build_perceiver),
        Architecture("minihack", MiniHackSettings, build_minihack),
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
