"""Value and reward scaling: the invertible transform and categorical supports.

MuZero predicts values and rewards as distributions over a small integer
support after squashing them with ``h``, so one network serves returns that
range from 0.01 (a MiniHack step) to hundreds (NetHack score) and the loss is a
cross-entropy instead of a regression whose scale depends on the task.
"""

from __future__ import annotations

import torch

#: The transform's linear term; keeps ``h`` invertible and Lipschitz (Pohlen et al. 2018).
EPSILON = 1e-3


def h(x: torch.Tensor, eps: float = EPSILON) -> torch.Tensor:
    """``sign(x) (sqrt(|x| + 1) - 1) + eps x``: squashes large returns, keeps small ones."""
    return torch.sign(x) * (torch.sqrt(torch.abs(x) + 1.0) - 1.0) + eps * x


def h_inverse(y: torch.Tensor, eps: float = EPSILON) -> torch.Tensor:
    """The exact inverse of :func:`h` (solving the quadratic in ``sqrt(|x| + 1)``)."""
    root = (torch.sqrt(1.0 + 4.0 * eps * (torch.abs(y) + 1.0 + eps)) - 1.0) / (2.0 * eps)
    return torch.sign(y) * (root * root - 1.0)


def support_size(half_width: int) -> int:
    """Bins of a support over the integers ``-half_width .. half_width``."""
    return 2 * half_width + 1


def to_support(x: torch.Tensor, half_width: int) -> torch.Tensor:
    """Two-hot encoding of ``x`` (already scaled) on ``-half_width .. half_width``.

    The probability mass is split between the two neighbouring integers so that
    the expectation of the encoding is ``x`` exactly (after clipping to the support).
    """
    x = x.clamp(-half_width, half_width)
    low = torch.floor(x)
    upper_weight = x - low
    index = (low + half_width).long()
    out = torch.zeros(*x.shape, support_size(half_width), dtype=x.dtype, device=x.device)
    out.scatter_(-1, index.unsqueeze(-1), (1.0 - upper_weight).unsqueeze(-1))
    upper = (index + 1).clamp(max=2 * half_width)
    # At the top bin upper_weight is 0, so adding to the clamped index changes nothing.
    out.scatter_add_(-1, upper.unsqueeze(-1), upper_weight.unsqueeze(-1))
    return out


def from_support(probs: torch.Tensor, half_width: int) -> torch.Tensor:
    """The expectation of a distribution over the support (the inverse of :func:`to_support`)."""
    values = torch.arange(-half_width, half_width + 1, dtype=probs.dtype, device=probs.device)
    return (probs * values).sum(-1)


def scalar_to_target(x: torch.Tensor, half_width: int) -> torch.Tensor:
    """A raw value or reward -> the categorical target the network learns."""
    return to_support(h(x), half_width)


def logits_to_scalar(logits: torch.Tensor, half_width: int) -> torch.Tensor:
    """Network logits over the support -> a raw value or reward."""
    return h_inverse(from_support(torch.softmax(logits, dim=-1), half_width))
