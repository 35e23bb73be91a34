"""The screen CNN's first layer read from cells equals render-then-convolve."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from rllib_nethack import make_env
from rllib_nethack.models.encoders import ScreenImageEncoder, ScreenRenderer
from rllib_nethack.testing.sampling import random_observations


@pytest.fixture(scope="module")
def screens() -> dict[str, torch.Tensor]:
    """Real terminals of random play on `challenge` (the cursor wanders the map)."""
    obs = random_observations(make_env("challenge"), 32, seed=3)
    return {
        k: torch.from_numpy(np.stack([o[k] for o in obs]))
        for k in ("tty_chars", "tty_colors", "tty_cursor")
    }


def rendered(encoder: ScreenImageEncoder, obs: dict[str, torch.Tensor]) -> torch.Tensor:
    """The encoder's output the long way: draw the pixels, then every convolution."""
    ScreenRenderer._last = None
    pixels = encoder.renderer(obs["tty_chars"], obs["tty_colors"], obs["tty_cursor"], unit=True)
    return encoder.mlp(encoder.convs(pixels).flatten(1))


def test_outputs_and_gradients_equal_render_then_convolve(
    screens: dict[str, torch.Tensor],
) -> None:
    torch.manual_seed(0)
    encoder = ScreenImageEncoder()
    assert encoder.cell_conv is not None  # the default crop takes the cell path
    first = encoder.convs[0]
    fast, slow = encoder(screens), rendered(encoder, screens)
    assert fast.shape == slow.shape
    torch.testing.assert_close(fast, slow, atol=1e-5, rtol=1e-4)
    weights = [first.weight, first.bias, encoder.convs[2].weight]
    upstream = torch.randn_like(fast)
    for got, want in zip(
        torch.autograd.grad((fast * upstream).sum(), weights),
        torch.autograd.grad((slow * upstream).sum(), weights),
        strict=True,
    ):
        torch.testing.assert_close(got, want, atol=1e-4, rtol=1e-4)


def test_inference_tables_follow_the_weights(screens: dict[str, torch.Tensor]) -> None:
    torch.manual_seed(1)
    encoder = ScreenImageEncoder()
    with torch.no_grad():
        before = encoder(screens)
        assert torch.equal(encoder(screens), before)  # cached tables, same numbers
        # A weight update as the env runners receive it (load_state_dict copies in place).
        state = {k: v + 0.01 for k, v in encoder.state_dict().items()}
        encoder.load_state_dict(state)
        after = encoder(screens)
        assert not torch.allclose(after, before)
        torch.testing.assert_close(after, rendered(encoder, screens), atol=1e-5, rtol=1e-4)


def test_a_deep_copy_convolves_with_its_own_weights(screens: dict[str, torch.Tensor]) -> None:
    torch.manual_seed(2)
    encoder = ScreenImageEncoder()
    target = copy.deepcopy(encoder)  # as APPO's target network is made
    with torch.no_grad():
        original = encoder(screens)
        target.convs[0].weight.mul_(2.0)
        assert torch.equal(encoder(screens), original)
        torch.testing.assert_close(target(screens), rendered(target, screens), atol=1e-5, rtol=1e-4)


def test_other_crop_sizes_render_first(screens: dict[str, torch.Tensor]) -> None:
    # 9 cells of 12 pixels: the kernel of 8 with stride 6 cuts glyphs in halves.
    encoder = ScreenImageEncoder(crop_dim=9, pixel_size=12)
    assert encoder.cell_conv is None
    torch.testing.assert_close(encoder(screens), rendered(encoder, screens))
