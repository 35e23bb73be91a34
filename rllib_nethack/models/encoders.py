"""One encoder per observation key (or per part of one).

Each encoder is an ``nn.Module`` that takes the observation dict (batch
dims already flattened to ``[N, ...]``), reads the keys it declares in
``keys`` (from :data:`~rllib_nethack.models.parts.PART_KEYS`, by the part
it is) and returns ``[N, out_dim]`` features. Architectures
(:mod:`rllib_nethack.models.architectures`) pick encoders and concatenate them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
import torch
from nle import nethack
from torch import nn

from rllib_nethack.envs.render import glyph_atlas
from rllib_nethack.errors import ConfigError
from rllib_nethack.models.cell_conv import CellConv, cells_per_side
from rllib_nethack.models.layers import bag_sum, conv_output_side, conv_stack, crop_around, mlp
from rllib_nethack.models.parts import PART_KEYS, SCREEN_CONVS, check_screen_size, screen_cnn_side

Obs = dict[str, torch.Tensor]

#: Glyph id used for cells outside the map (one past NLE's largest glyph).
OFF_MAP_GLYPH = nethack.MAX_GLYPH
NUM_GLYPHS = nethack.MAX_GLYPH + 1
_CHAR_SPACE = 32


class KeyEncoder(nn.Module):
    """Base class: an encoder of some observation keys into ``out_dim`` features."""

    #: The observation keys this encoder reads.
    keys: tuple[str, ...] = ()
    out_dim: int

    def forward(self, obs: Obs) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def missing(self, spaces: Mapping[str, gym.Space]) -> list[str]:  # type: ignore[type-arg]
        """The keys this encoder reads that ``spaces`` (the task's observations) lacks."""
        return [k for k in self.keys if k not in spaces]


# --------------------------------------------------------------------------- blstats
# Scale of each bottom-line statistic (NLE's blstats order), so that typical
# values land in [-1, 1] and outliers are clipped at +-5.
_BLSTATS_SCALE = {
    nethack.NLE_BL_X: 1 / 79,
    nethack.NLE_BL_Y: 1 / 21,
    nethack.NLE_BL_STR25: 1 / 25,
    nethack.NLE_BL_STR125: 1 / 125,
    nethack.NLE_BL_DEX: 1 / 25,
    nethack.NLE_BL_CON: 1 / 25,
    nethack.NLE_BL_INT: 1 / 25,
    nethack.NLE_BL_WIS: 1 / 25,
    nethack.NLE_BL_CHA: 1 / 25,
    nethack.NLE_BL_SCORE: 1 / 2000,
    nethack.NLE_BL_HP: 1 / 30,
    nethack.NLE_BL_HPMAX: 1 / 30,
    nethack.NLE_BL_DEPTH: 1 / 10,
    nethack.NLE_BL_GOLD: 1 / 500,
    nethack.NLE_BL_ENE: 1 / 30,
    nethack.NLE_BL_ENEMAX: 1 / 30,
    nethack.NLE_BL_AC: 1 / 10,
    nethack.NLE_BL_HD: 1 / 10,
    nethack.NLE_BL_XP: 1 / 10,
    nethack.NLE_BL_EXP: 1 / 2000,
    nethack.NLE_BL_TIME: 1 / 20000,
    nethack.NLE_BL_HUNGER: 1 / 6,
    nethack.NLE_BL_CAP: 1 / 5,
    nethack.NLE_BL_DNUM: 1 / 10,
    nethack.NLE_BL_DLEVEL: 1 / 10,
    nethack.NLE_BL_CONDITION: 0.0,  # a bit mask: decoded into flags instead
    nethack.NLE_BL_ALIGN: 1.0,
}
_CONDITION_BITS = 16


class BlstatsEncoder(KeyEncoder):
    """Bottom-line statistics: scaled and clipped, status flags decoded, then an MLP.

    Args:
        hidden: Widths of the MLP layers.
        concat_normalized: Also output the normalised inputs themselves (as
            Sample Factory's NetHack models do), so exact values survive.
        num_stats: Length of ``blstats`` (27 in NLE 1.x).
    """

    keys = PART_KEYS["blstats"]
    scale: torch.Tensor
    bits: torch.Tensor

    def __init__(
        self,
        hidden: tuple[int, ...] = (128, 128),
        concat_normalized: bool = True,
        num_stats: int = 27,
    ) -> None:
        super().__init__()
        scale = np.zeros(num_stats, dtype=np.float32)
        for index, value in _BLSTATS_SCALE.items():
            if index < num_stats:
                scale[index] = value
        self.register_buffer("scale", torch.from_numpy(scale), persistent=False)
        self.register_buffer(
            "bits", 2 ** torch.arange(_CONDITION_BITS, dtype=torch.int64), persistent=False
        )
        self.condition_index = nethack.NLE_BL_CONDITION
        in_dim = num_stats + _CONDITION_BITS
        self.mlp = mlp(in_dim, hidden)
        self.concat_normalized = concat_normalized
        self.out_dim = hidden[-1] + (in_dim if concat_normalized else 0)

    def normalize(self, blstats: torch.Tensor) -> torch.Tensor:
        stats = blstats.long()
        scaled = torch.clamp(stats.float() * self.scale, -5.0, 5.0)
        condition = stats[:, self.condition_index : self.condition_index + 1]
        flags = ((condition & self.bits) != 0).float()
        return torch.cat([scaled, flags], dim=-1)

    def forward(self, obs: Obs) -> torch.Tensor:
        x = self.normalize(obs["blstats"])
        features = self.mlp(x)
        return torch.cat([features, x], dim=-1) if self.concat_normalized else features


# --------------------------------------------------------------------------- text lines
class TopLineEncoder(KeyEncoder):
    """The message line (terminal row 0): one-hot characters -> MLP.

    The first layer is a linear map of the 80 x 256 one-hot matrix; it is
    computed as a sum of per-(position, character) weight rows, which is the
    same function without materialising the one-hot tensor.
    """

    keys = PART_KEYS["top_line"]
    offsets: torch.Tensor

    def __init__(self, hidden: tuple[int, ...] = (128, 128), width: int = 80) -> None:
        super().__init__()
        self.width = width
        self.first = nn.EmbeddingBag(width * 256, hidden[0], mode="sum")
        self.bias = nn.Parameter(torch.zeros(hidden[0]))
        self.register_buffer("offsets", torch.arange(width) * 256, persistent=False)
        self.rest = nn.Sequential(nn.ELU(), mlp(hidden[0], hidden[1:]))
        self.out_dim = hidden[-1]

    def forward(self, obs: Obs) -> torch.Tensor:
        top = obs["tty_chars"][:, 0, : self.width].long()
        return self.rest(bag_sum(top + self.offsets, self.first.weight) + self.bias)


class BottomLinesEncoder(KeyEncoder):
    """The two status lines (terminal rows 22-23) as a 1-D signal: 1-D convolutions.

    Two channels per character: the character itself (scaled) and, for the
    characters of numbers (``-./0-9``), their digit value, so that counts such
    as HP read as magnitudes.
    """

    keys = PART_KEYS["bottom_lines"]

    def __init__(
        self, hidden: tuple[int, ...] = (128, 128), channels: tuple[int, int] = (32, 64)
    ) -> None:
        super().__init__()
        length = 160
        self.convs = nn.Sequential(
            nn.Conv1d(2, channels[0], kernel_size=8, stride=4),
            nn.ELU(),
            nn.Conv1d(channels[0], channels[1], kernel_size=4, stride=1),
            nn.ELU(),
        )
        conv_len = ((length - 8) // 4 + 1) - 4 + 1
        self.mlp = mlp(channels[1] * conv_len, hidden)
        self.out_dim = hidden[-1]

    def forward(self, obs: Obs) -> torch.Tensor:
        chars = obs["tty_chars"][:, -2:, :].reshape(obs["tty_chars"].shape[0], -1).float()
        text = (chars - _CHAR_SPACE) / 96.0
        numeric = (chars > 44) & (chars < 58)
        digits = torch.where(numeric, (chars - 47) / 10.0, torch.zeros_like(chars))
        x = self.convs(torch.stack([text, digits], dim=1))
        return self.mlp(x.flatten(1))


class MessageEncoder(KeyEncoder):
    """NLE's ``message`` (256 bytes): character embeddings, mean-pooled over the text, MLP."""

    keys = PART_KEYS["message"]

    def __init__(self, hidden: int = 64, embedding: int = 32) -> None:
        super().__init__()
        self.embed = nn.Embedding(256, embedding, padding_idx=0)
        self.mlp = mlp(embedding, (hidden,))
        self.out_dim = hidden

    def forward(self, obs: Obs) -> torch.Tensor:
        message = obs["message"].long()
        length = (message != 0).sum(dim=1, keepdim=True).clamp(min=1)
        pooled = self.embed(message).sum(dim=1) / length
        return self.mlp(pooled)


class PrevActionEncoder(KeyEncoder):
    """The previous action, one-hot."""

    keys = PART_KEYS["prev_action"]

    def __init__(self, num_actions: int) -> None:
        super().__init__()
        self.num_actions = num_actions
        self.out_dim = num_actions

    def forward(self, obs: Obs) -> torch.Tensor:
        action = obs["prev_action"].reshape(-1).long()
        return nn.functional.one_hot(action, self.num_actions).float()


# --------------------------------------------------------------------------- screen image
class ScreenRenderer(nn.Module):
    """Draws the terminal crop around the cursor as ``[N, 3, D * P, D * P]`` pixels.

    Same font atlas and pixels as :class:`rllib_nethack.envs.render.TerminalRenderer`
    (a test checks they agree), done for a whole batch at once inside the model,
    so environments need not ship 35 KB images per step.
    """

    atlas: torch.Tensor
    #: The last render of any renderer: (inputs, their key, pixels).
    #: APPO's target network (a deep copy, renderer included) encodes the very
    #: batch the trained network just did; the render has no weights, so the
    #: second render of each update (``benchmarks/RESULTS.md``) is this lookup.
    #: One tuple, replaced whole, so a reader never sees half an entry.
    _last: ClassVar[tuple[Any, ...] | None] = None

    def __init__(self, crop_dim: int = 18, pixel_size: int = 6) -> None:
        super().__init__()
        self.crop_dim = crop_dim
        self.pixel_size = pixel_size
        atlas = torch.from_numpy(glyph_atlas(pixel_size)).permute(0, 3, 1, 2).contiguous()
        self.register_buffer("atlas", atlas, persistent=False)  # [4096, 3, P, P]

    def forward(
        self, chars: torch.Tensor, colors: torch.Tensor, cursor: torch.Tensor, unit: bool = False
    ) -> torch.Tensor:
        """uint8 pixels, or with ``unit`` float32 pixels / 255 (the CNN's input)."""
        inputs = (chars, colors, cursor)
        # Views of the same memory (each forward flattens the batch anew), not
        # written since: the entry holds the inputs, so that memory is not reused.
        key = (
            *((t.data_ptr(), t.shape, t.stride(), t.dtype, t.device, t._version) for t in inputs),
            (self.crop_dim, self.pixel_size, unit, self.atlas.device),
        )
        last = ScreenRenderer._last
        if last is not None and last[1] == key:
            return last[2]
        pixels = self._render(chars, colors, cursor, unit)
        ScreenRenderer._last = (inputs, key, pixels)
        return pixels

    def window(
        self, chars: torch.Tensor, colors: torch.Tensor, cursor: torch.Tensor
    ) -> torch.Tensor:
        """``[N, D, D]`` atlas codes of the crop around the cursor (off-screen: code 0, black)."""
        rows, cols = cursor[:, 0].long(), cursor[:, 1].long()
        # Crop the bytes first: the codes of a crop are a sixth of the screen's.
        char_crop = crop_around(chars, rows, cols, self.crop_dim, fill=0).long()
        color_crop = crop_around(colors, rows, cols, self.crop_dim, fill=0).long()
        return char_crop * 16 + (color_crop & 15)

    def _render(
        self, chars: torch.Tensor, colors: torch.Tensor, cursor: torch.Tensor, unit: bool
    ) -> torch.Tensor:
        window = self.window(chars, colors, cursor)
        n, d, p = window.shape[0], self.crop_dim, self.pixel_size
        pixels = self.atlas[window].permute(0, 3, 1, 4, 2, 5)  # [N, 3, D, P, D, P]
        if not unit:
            return pixels.reshape(n, 3, d * p, d * p)
        # One pass converts and lays out, one scales in place: faster than
        # reshape, then float(), then / 255 (benchmarks/RESULTS.md).
        out = torch.empty(pixels.shape, dtype=torch.float32, device=pixels.device)
        return out.copy_(pixels).div_(255.0).view(n, 3, d * p, d * p)


class ScreenImageEncoder(KeyEncoder):
    """CNN over the rendered crop of the screen around the hero.

    Reads ``screen_image`` when the env provides it, otherwise the crop of
    ``tty_chars``, ``tty_colors`` and ``tty_cursor`` around the cursor. Four
    valid convolutions (kernel/stride 8/6, 4/2, 3/2, 3/1) take 108 x 108 pixels
    to 1 x 1, then a linear layer. With the default sizes the first one reads
    the cells directly (:class:`~rllib_nethack.models.cell_conv.CellConv`, the
    same numbers as rendering first); other sizes render the crop.
    """

    keys = PART_KEYS["screen"]

    def __init__(
        self,
        hidden: int = 512,
        crop_dim: int = 18,
        pixel_size: int = 6,
        channels: tuple[int, ...] = (32, 64, 128, 128),
    ) -> None:
        super().__init__()
        self.renderer = ScreenRenderer(crop_dim, pixel_size)
        check_screen_size(crop_dim, pixel_size)
        layers: list[nn.Module] = []
        in_channels = 3
        for out_channels, (kernel, stride) in zip(channels, SCREEN_CONVS, strict=True):
            layers += [nn.Conv2d(in_channels, out_channels, kernel, stride), nn.ELU()]
            in_channels = out_channels
        side = screen_cnn_side(crop_dim * pixel_size)
        self.convs = nn.Sequential(*layers)
        self.mlp = mlp(in_channels * side * side, (hidden,))
        self.out_dim = hidden
        first = self.convs[0]
        assert isinstance(first, nn.Conv2d)
        # The default crop's first layer, from the cells (see models/cell_conv.py).
        self.cell_conv = (
            CellConv(first, self.renderer.atlas.float() / 255.0)
            if cells_per_side(first, pixel_size)
            else None
        )

    def missing(self, spaces: Mapping[str, gym.Space]) -> list[str]:  # type: ignore[type-arg]
        """The env's own ``screen_image`` serves instead of the tty keys, at the model's size."""
        if "screen_image" not in spaces:
            return super().missing(spaces)
        side = self.renderer.crop_dim * self.renderer.pixel_size
        shape = tuple(spaces["screen_image"].shape or ())
        if shape != (side, side, 3):
            raise ConfigError(
                f"the task's screen_image is {shape}, the model's CNN reads ({side}, {side}, 3): "
                "set the same crop_dim and pixel_size for the task and the model"
            )
        return []

    def image(self, obs: Obs) -> torch.Tensor:
        """The CNN's input: ``[N, 3, H, W]`` pixels / 255."""
        if "screen_image" in obs:
            return obs["screen_image"].permute(0, 3, 1, 2).float() / 255.0
        return self.renderer(obs["tty_chars"], obs["tty_colors"], obs["tty_cursor"], unit=True)

    def forward(self, obs: Obs) -> torch.Tensor:
        if self.cell_conv is None or "screen_image" in obs:
            return self.mlp(self.convs(self.image(obs)).flatten(1))
        codes = self.renderer.window(obs["tty_chars"], obs["tty_colors"], obs["tty_cursor"])
        return self.mlp(self.convs[1:](self.cell_conv(codes)).flatten(1))


# --------------------------------------------------------------------------- glyph maps
class GlyphMapEncoder(KeyEncoder):
    """Glyph embeddings, then same-size 3x3 convolutions over a glyph grid, flattened.

    Args:
        key: Which grid (``glyphs`` for the whole 21 x 79 map, ``glyphs_crop``).
        shape: The grid's (rows, columns).
        embedding: The shared glyph embedding (one table for map and crop).
        channels: Output channels of each convolution.
        last_stride: Stride of the last convolution (2 halves each side).
    """

    def __init__(
        self,
        key: str,
        shape: tuple[int, int],
        embedding: nn.Embedding,
        channels: tuple[int, ...],
        last_stride: int = 1,
    ) -> None:
        super().__init__()
        self.key = key
        self.keys = (key,)
        self.embedding = embedding
        self.convs = conv_stack(embedding.embedding_dim, channels, last_stride=last_stride)
        rows, cols = (conv_output_side(n, 3, last_stride) for n in shape)
        self.out_dim = channels[-1] * rows * cols

    def encode_grid(self, glyphs: torch.Tensor) -> torch.Tensor:
        x = self.embedding(glyphs.long()).permute(0, 3, 1, 2)
        return self.convs(x).flatten(1)

    def forward(self, obs: Obs) -> torch.Tensor:
        return self.encode_grid(obs[self.key])


class HeroCropEncoder(GlyphMapEncoder):
    """The glyph map cropped around the hero (from blstats x, y), then the CNN of
    :class:`GlyphMapEncoder`; used when the env provides no ``glyphs_crop``."""

    keys = PART_KEYS["hero_crop"]

    def __init__(self, crop_dim: int, embedding: nn.Embedding, channels: tuple[int, ...]) -> None:
        super().__init__("glyphs", (crop_dim, crop_dim), embedding, channels)
        self.keys = PART_KEYS["hero_crop"]
        self.crop_dim = crop_dim

    def forward(self, obs: Obs) -> torch.Tensor:
        blstats = obs["blstats"].long()
        crop = crop_around(
            obs["glyphs"].long(),
            blstats[:, nethack.NLE_BL_Y],
            blstats[:, nethack.NLE_BL_X],
            self.crop_dim,
            fill=OFF_MAP_GLYPH,
        )
        return self.encode_grid(crop)


# --------------------------------------------------------------------------- perceiver
class CrossAttentionBlock(nn.Module):
    """Pre-norm attention of ``queries`` over ``context`` with a residual MLP."""

    def __init__(self, dim: int, heads: int, ffn: int) -> None:
        super().__init__()
        self.norm_q = nn.LayerNorm(dim)
        self.norm_kv = nn.LayerNorm(dim)
        self.attention = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm_ffn = nn.LayerNorm(dim)
        self.ffn = nn.Sequential(nn.Linear(dim, ffn), nn.GELU(), nn.Linear(ffn, dim))

    def forward(self, queries: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        kv = self.norm_kv(context)
        attended, _ = self.attention(self.norm_q(queries), kv, kv, need_weights=False)
        x = queries + attended
        return x + self.ffn(self.norm_ffn(x))


class PerceiverGlyphEncoder(KeyEncoder):
    """A Perceiver-style encoder of the glyph map, blstats and message.

    A small learned latent array cross-attends to one token per map cell (glyph
    embedding + learned position embedding), then self-attends; blstats and the
    message enter as two extra latents. This is the state encoder of the omega
    agent family for NetHack: attention cost grows with the number of latents,
    not with the map's 1659 cells squared.
    """

    keys = PART_KEYS["perceiver"]

    def __init__(
        self,
        dim: int = 64,
        num_latents: int = 16,
        blocks: int = 2,
        self_layers: int = 1,
        cross_heads: int = 2,
        self_heads: int = 4,
        ffn: int = 128,
        hidden: int = 256,
        map_shape: tuple[int, int] = nethack.DUNGEON_SHAPE,
    ) -> None:
        super().__init__()
        cells = map_shape[0] * map_shape[1]
        self.glyph_embedding = nn.Embedding(NUM_GLYPHS, dim)
        self.position = nn.Parameter(torch.randn(cells, dim) / math.sqrt(dim))
        self.latents = nn.Parameter(torch.randn(num_latents, dim) / math.sqrt(dim))
        self.blstats = BlstatsEncoder(hidden=(dim,), concat_normalized=False)
        self.message = MessageEncoder(hidden=dim)
        self.cross = nn.ModuleList(
            CrossAttentionBlock(dim, cross_heads, ffn) for _ in range(blocks)
        )
        self.self_attention = nn.ModuleList(
            CrossAttentionBlock(dim, self_heads, ffn) for _ in range(blocks * self_layers)
        )
        self.self_layers = self_layers
        self.norm = nn.LayerNorm(dim)
        self.out = mlp((num_latents + 2) * dim, (hidden,))
        self.out_dim = hidden

    def forward(self, obs: Obs) -> torch.Tensor:
        glyphs = obs["glyphs"].long().flatten(1)
        tokens = self.glyph_embedding(glyphs) + self.position
        n = glyphs.shape[0]
        extra = torch.stack([self.blstats(obs), self.message(obs)], dim=1)
        latents = torch.cat([self.latents.expand(n, -1, -1), extra], dim=1)
        for b, cross in enumerate(self.cross):
            latents = cross(latents, tokens)
            for layer in self.self_attention[b * self.self_layers : (b + 1) * self.self_layers]:
                latents = layer(latents, latents)
        return self.out(self.norm(latents).flatten(1))
