"""The torch side of each architecture: its parts built into a :class:`CombinedEncoder`.

:mod:`rllib_nethack.models.architectures` decides which parts some settings
select (and so what the model reads) without torch; a builder here makes each
selected part's encoder. Loaded when a module is built
(:meth:`~rllib_nethack.models.architectures.Architecture.build`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import cast

from nle import nethack
from torch import nn

from rllib_nethack.models.architectures import (
    BaselineSettings,
    ChaoticDwarfSettings,
    ChaoticDwarfTtySettings,
    MiniHackSettings,
    PerceiverSettings,
)
from rllib_nethack.models.combined import CombinedEncoder
from rllib_nethack.models.encoders import (
    NUM_GLYPHS,
    BlstatsEncoder,
    BottomLinesEncoder,
    GlyphMapEncoder,
    HeroCropEncoder,
    KeyEncoder,
    MessageEncoder,
    PerceiverGlyphEncoder,
    PrevActionEncoder,
    ScreenImageEncoder,
    TopLineEncoder,
)
from rllib_nethack.models.parts import SpaceMap

#: Part name -> a function making that part's encoder.
_Makers = Mapping[str, Callable[[], KeyEncoder]]


def _made(parts: tuple[str, ...], makers: _Makers) -> dict[str, KeyEncoder]:
    """The encoders of ``parts``: which parts exist is the architecture's to say."""
    return {name: makers[name]() for name in parts}


def build_chaotic_dwarf(
    s: ChaoticDwarfTtySettings, parts: tuple[str, ...], num_actions: int, spaces: SpaceMap
) -> CombinedEncoder:
    """ChaoticDwarvenGPT5 and its tty-only variant (whose settings have no blstats part)."""
    makers: _Makers = {
        "top_line": lambda: TopLineEncoder(s.top_line_hidden),
        "bottom_lines": lambda: BottomLinesEncoder(s.bottom_lines_hidden),
        "screen": lambda: ScreenImageEncoder(s.screen_hidden, s.crop_dim, s.pixel_size),
        "blstats": lambda: BlstatsEncoder(
            cast(ChaoticDwarfSettings, s).blstats_hidden, concat_normalized=True
        ),
        "prev_action": lambda: PrevActionEncoder(num_actions),
    }
    return CombinedEncoder(_made(parts, makers))


def build_baseline(
    s: BaselineSettings, parts: tuple[str, ...], num_actions: int, spaces: SpaceMap
) -> CombinedEncoder:
    embedding = nn.Embedding(NUM_GLYPHS, s.glyph_embedding)
    makers: _Makers = {
        "glyphs": lambda: GlyphMapEncoder(
            "glyphs", nethack.DUNGEON_SHAPE, embedding, s.map_channels
        ),
        "hero_crop": lambda: HeroCropEncoder(s.crop_dim, embedding, s.map_channels),
        "blstats": lambda: BlstatsEncoder(s.blstats_hidden, concat_normalized=False),
        "message": lambda: MessageEncoder(s.message_hidden),
        "prev_action": lambda: PrevActionEncoder(num_actions),
    }
    return CombinedEncoder(_made(parts, makers), fusion=s.hidden, activation=nn.ReLU)


def build_perceiver(
    s: PerceiverSettings, parts: tuple[str, ...], num_actions: int, spaces: SpaceMap
) -> CombinedEncoder:
    makers: _Makers = {
        "perceiver": lambda: PerceiverGlyphEncoder(
            s.dim,
            s.num_latents,
            s.blocks,
            s.self_layers,
            s.cross_heads,
            s.self_heads,
            s.ffn,
            s.hidden,
        ),
        "prev_action": lambda: PrevActionEncoder(num_actions),
    }
    return CombinedEncoder(_made(parts, makers))


def build_minihack(
    s: MiniHackSettings, parts: tuple[str, ...], num_actions: int, spaces: SpaceMap
) -> CombinedEncoder:
    crop = spaces.get("glyphs_crop")
    crop_shape = tuple(crop.shape) if crop is not None and crop.shape else (9, 9)
    embedding = nn.Embedding(NUM_GLYPHS, s.glyph_embedding)
    makers: _Makers = {
        "glyphs": lambda: GlyphMapEncoder(
            "glyphs", nethack.DUNGEON_SHAPE, embedding, s.map_channels, s.map_stride
        ),
        "glyphs_crop": lambda: GlyphMapEncoder(
            "glyphs_crop", crop_shape[:2], embedding, s.crop_channels
        ),
        "blstats": lambda: BlstatsEncoder(s.blstats_hidden, concat_normalized=False),
        "message": lambda: MessageEncoder(s.message_hidden),
        "prev_action": lambda: PrevActionEncoder(num_actions),
    }
    return CombinedEncoder(_made(parts, makers), fusion=s.hidden)
