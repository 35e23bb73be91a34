"""The screen CNN's first convolution, computed from terminal cells instead of pixels.

Rendering a terminal crop is linear in the one-hot (character, colour) code of
each cell, and so is a convolution. When the first convolution's stride equals
the glyph size ``P`` and its kernel spans at most two glyphs per side, each
output position sees the same parts of the same (at most) 2 x 2 cells, so

    conv(render(codes))[o_y, o_x] = bias + sum over (a, b) of T_ab[codes[o_y + a, o_x + b]]

where ``T_ab[c]`` is the kernel's part over cell offset ``(a, b)`` applied to
glyph ``c``'s pixels. The tables cost 4096 x 108 multiply-adds per output
channel however large the batch, against the ~190 per output pixel the
convolution spends on every sample (and the render's 35 KB per sample): on
the default crop (18 cells of 6 pixels, kernel 8, stride 6) the screen
encoder's first layer and the render drop out of the learner's profile. The
result is the same function of the same weights (a test checks it against
render-then-convolve), so checkpoints and the env's ``screen_image`` path agree.
"""

from __future__ import annotations

import torch
from torch import nn

from rllib_nethack.models.layers import bag_sum


def cells_per_side(conv: nn.Conv2d, pixel_size: int) -> int | None:
    """How many glyphs one kernel window spans per side, or None if the trick does not apply."""
    (kernel, kernel_w), (stride, stride_w) = conv.kernel_size, conv.stride
    plain = (
        kernel == kernel_w
        and stride == stride_w
        and conv.padding in ((0, 0), "valid")
        and conv.dilation == (1, 1)
        and conv.groups == 1
        and stride == pixel_size
    )
    if not plain or kernel > 2 * pixel_size:
        return None
    return 1 if kernel <= pixel_size else 2


class CellConv(nn.Module):
    """``conv`` applied to the render of ``codes``, without rendering.

    Args:
        conv: The first convolution of the screen CNN (its weights stay there;
            this module only reads them).
        atlas: ``[num_codes, 3, P, P]`` float glyph pixels, as the CNN sees them.
    """

    atlas: torch.Tensor

    def __init__(self, conv: nn.Conv2d, atlas: torch.Tensor) -> None:
        super().__init__()
        pixel_size = atlas.shape[-1]
        cells = cells_per_side(conv, pixel_size)
        if cells is None:
            raise ValueError("CellConv needs stride == glyph size and a kernel of <= 2 glyphs")
        self.cells = cells
        self.pixel_size = pixel_size
        self.conv = [conv]  # a plain list: the weights belong to the CNN, not to us
        self.register_buffer("atlas", atlas, persistent=False)
        # Inference reuses the tables until the weights change (loading a state
        # bumps their version); training builds them in the autograd graph.
        self._cached: tuple[tuple[int, int, int, torch.device], torch.Tensor] | None = None

    def tables(self) -> torch.Tensor:
        """``[cells * cells, num_codes, out_channels]``: each cell offset's part of the kernel.

        The bias is folded into the first table.
        """
        weight, bias = self.conv[0].weight, self.conv[0].bias
        key = (weight._version, -1 if bias is None else bias._version, id(weight), weight.device)
        if not torch.is_grad_enabled() and self._cached is not None and self._cached[0] == key:
            return self._cached[1]
        p, k = self.pixel_size, weight.shape[-1]
        parts = []
        for a in range(self.cells):
            for b in range(self.cells):
                rows, cols = slice(a * p, min(k, (a + 1) * p)), slice(b * p, min(k, (b + 1) * p))
                span_r, span_c = rows.stop - rows.start, cols.stop - cols.start
                glyphs = self.atlas[:, :, :span_r, :span_c]
                parts.append(torch.einsum("oiyx,ciyx->co", weight[:, :, rows, cols], glyphs))
        if bias is not None:  # every output sums exactly one entry of the first table
            parts[0] = parts[0] + bias
        tables = torch.stack(parts)
        if not torch.is_grad_enabled():
            self._cached = (key, tables)
        return tables

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        """``[N, D, D]`` cell codes -> ``[N, out_channels, O, O]``, as ``conv(render(codes))``."""
        conv = self.conv[0]
        side = (codes.shape[-1] * self.pixel_size - conv.kernel_size[0]) // conv.stride[0] + 1
        tables = self.tables()
        num_codes = tables.shape[1]
        # One bag of cells per output position: the codes of offset (a, b) index
        # table a * cells + b of the stacked tables, and the bag sums them.
        bags = torch.stack(
            [
                codes[:, a : a + side, b : b + side] + (a * self.cells + b) * num_codes
                for a in range(self.cells)
                for b in range(self.cells)
            ],
            dim=-1,
        )
        out = bag_sum(bags.reshape(-1, bags.shape[-1]), tables.flatten(0, 1))
        # NHWC memory seen as NCHW: channels-last, which the next convolution reads as is.
        return out.view(codes.shape[0], side, side, -1).permute(0, 3, 1, 2)
