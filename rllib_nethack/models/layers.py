"""Small building blocks shared by the encoders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn


class _BagSum(torch.autograd.Function):
    """``embedding_bag(..., mode="sum")`` whose backward scatters with ``index_add_``."""

    @staticmethod
    def forward(ctx: Any, indices: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(indices)
        ctx.rows = weight.shape[0]
        return F.embedding_bag(indices, weight, mode="sum")

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[None, torch.Tensor]:
        (indices,) = ctx.saved_tensors
        weight_grad = grad.new_zeros(ctx.rows, grad.shape[-1])
        for column in indices.unbind(1):
            weight_grad.index_add_(0, column, grad)
        return None, weight_grad


def bag_sum(indices: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """``[M, K]`` indices -> ``[M, D]``: each row the sum of its K rows of ``weight``.

    The same numbers as ``F.embedding_bag(indices, weight, mode="sum")``. On CPU
    its backward is computed with K ``index_add_`` scatters: torch's CPU backward
    sorts the indices first, which made the screen encoder's first layer the
    learner's costliest backward op (``benchmarks/RESULTS.md``; the same numbers
    checked in ``tests/models/test_layers.py``). CUDA keeps
    torch's own backward, whose segment sums suit the many repeated indices.
    """
    if indices.device.type != "cpu" or not torch.is_grad_enabled():
        return F.embedding_bag(indices, weight, mode="sum")
    return _BagSum.apply(indices, weight)  # type: ignore[no-any-return]


def mlp(in_dim: int, hidden: Sequence[int], activation: type[nn.Module] = nn.ELU) -> nn.Sequential:
    """Linear layers of the given widths, each followed by ``activation``."""
    layers: list[nn.Module] = []
    for width in hidden:
        layers += [nn.Linear(in_dim, width), activation()]
        in_dim = width
    return nn.Sequential(*layers)


def conv_stack(
    in_channels: int,
    channels: Sequence[int],
    kernel: int = 3,
    activation: type[nn.Module] = nn.ELU,
    last_stride: int = 1,
) -> nn.Sequential:
    """2-D convolutions with ``padding = kernel // 2`` and activations.

    All keep the grid's size except the last, whose ``last_stride`` can
    downsample it: on the 21 x 79 NetHack map a stride of 2 cuts the flattened
    features (and the first fully connected layer after them) by four.
    """
    layers: list[nn.Module] = []
    for i, out_channels in enumerate(channels):
        stride = last_stride if i == len(channels) - 1 else 1
        layers += [
            nn.Conv2d(in_channels, out_channels, kernel, stride=stride, padding=kernel // 2),
            activation(),
        ]
        in_channels = out_channels
    return nn.Sequential(*layers)


def conv_output_side(side: int, kernel: int, stride: int) -> int:
    """Output length of a convolution with ``padding = kernel // 2``."""
    return (side + 2 * (kernel // 2) - kernel) // stride + 1


def crop_around(
    grid: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor, size: int, fill: int
) -> torch.Tensor:
    """Square crops of ``grid`` centred on per-sample positions.

    Args:
        grid: ``[N, H, W]``.
        rows, cols: ``[N]`` integer centres (row, column).
        size: Side of the crop; cells beyond the grid take ``fill``.
        fill: Value of cells outside the grid.

    Returns:
        ``[N, size, size]``; for odd ``size`` the centre cell is ``(rows, cols)``.
    """
    half = size // 2
    padded = nn.functional.pad(grid, (half, half, half, half), value=fill)
    offsets = torch.arange(size, device=grid.device)
    row_index = (rows.long()[:, None] + offsets[None, :])[:, :, None]
    col_index = (cols.long()[:, None] + offsets[None, :])[:, None, :]
    batch = torch.arange(grid.shape[0], device=grid.device)[:, None, None]
    return padded[batch, row_index, col_index]


def flatten_time(x: torch.Tensor, leading: int) -> torch.Tensor:
    """Merge the ``leading`` batch dims (``[B, T, ...]`` -> ``[B * T, ...]``)."""
    return x.reshape(-1, *x.shape[leading:])
