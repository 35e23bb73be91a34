"""The encoder every architecture builds: named parts, concatenated, optionally fused.

Its own module so that :mod:`~rllib_nethack.models.architectures` can name the
type without importing the builders (or torch) at run time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import torch
from torch import nn

from rllib_nethack.models.encoders import KeyEncoder, Obs
from rllib_nethack.models.layers import mlp
from rllib_nethack.models.parts import SpaceMap


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
