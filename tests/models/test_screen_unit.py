"""The CNN's float input rendered in one step equals the uint8 render / 255 exactly."""

from __future__ import annotations

import numpy as np
import torch

from rllib_nethack import make_env
from rllib_nethack.models.encoders import ScreenRenderer
from rllib_nethack.testing.sampling import random_observations


def test_unit_render_is_the_uint8_render_over_255() -> None:
    obs = random_observations(make_env("challenge"), 8)
    chars, colors, cursor = (
        torch.from_numpy(np.stack([o[k] for o in obs]))
        for k in ("tty_chars", "tty_colors", "tty_cursor")
    )
    renderer = ScreenRenderer(18, 6)
    unit = renderer(chars, colors, cursor, unit=True)
    assert unit.dtype == torch.float32 and unit.is_contiguous()
    assert torch.equal(unit, renderer(chars, colors, cursor).float() / 255.0)
    assert unit.max() > 0  # something was drawn


def test_a_copied_renderer_reuses_the_last_render_of_the_same_tensors() -> None:
    import copy

    obs = random_observations(make_env("challenge"), 4)
    chars, colors, cursor = (
        torch.from_numpy(np.stack([o[k] for o in obs]))
        for k in ("tty_chars", "tty_colors", "tty_cursor")
    )
    renderer = ScreenRenderer(18, 6)
    target = copy.deepcopy(renderer)  # as APPO's target network holds it
    first = renderer(chars, colors, cursor, unit=True)
    assert target(chars, colors, cursor, unit=True) is first
    # Each forward flattens the batch anew: views of the same memory hit too.
    assert renderer(chars.view(chars.shape), colors[:], cursor, unit=True) is first
    assert renderer(chars, colors, cursor) is not first  # uint8: another render
    chars[0, 0, 0] = ord("@")  # changed in place: rendered again
    again = renderer(chars, colors, cursor, unit=True)
    assert again is not first
    assert torch.equal(again, renderer._render(chars, colors, cursor, unit=True))
