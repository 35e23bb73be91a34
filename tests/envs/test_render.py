"""Terminal rendering: the numpy renderer, the in-model torch renderer, the image wrapper."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from rllib_nethack.envs.render import PALETTE, TerminalRenderer, glyph_atlas, glyph_masks
from rllib_nethack.models.encoders import ScreenRenderer

ROWS, COLS = 24, 80
EDGE_CURSORS = [(0, 0), (0, 79), (23, 0), (23, 79), (1, 1), (22, 78), (0, 40), (12, 0), (12, 79)]


def loop_crop(chars, colors, cursor, crop_dim: int, pixel_size: int) -> np.ndarray:
    """The crop drawn one cell at a time: the definition the fast renderers must meet."""
    atlas = glyph_atlas(pixel_size)
    half = crop_dim // 2
    image = np.zeros((crop_dim * pixel_size, crop_dim * pixel_size, 3), dtype=np.uint8)
    for i in range(crop_dim):
        for j in range(crop_dim):
            r, c = int(cursor[0]) - half + i, int(cursor[1]) - half + j
            if not (0 <= r < ROWS and 0 <= c < COLS):
                continue  # off the screen: blank
            glyph = atlas[int(chars[r, c]) * 16 + (int(colors[r, c]) & 15)]
            image[i * pixel_size : (i + 1) * pixel_size, j * pixel_size : (j + 1) * pixel_size] = (
                glyph
            )
    return image


def torch_crop(chars, colors, cursor, crop_dim: int, pixel_size: int) -> np.ndarray:
    """ScreenRenderer on a batch of screens, back to HWC numpy."""
    renderer = ScreenRenderer(crop_dim, pixel_size)
    with torch.no_grad():
        out = renderer(torch.as_tensor(chars), torch.as_tensor(colors), torch.as_tensor(cursor))
    assert out.shape == (len(chars), 3, crop_dim * pixel_size, crop_dim * pixel_size)
    return out.permute(0, 2, 3, 1).numpy()


def random_screen(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    chars = rng.integers(0, 256, size=(ROWS, COLS), dtype=np.uint8)
    colors = rng.integers(-128, 128, size=(ROWS, COLS)).astype(np.int8)
    return chars, colors


@pytest.fixture(scope="module")
def real_screens() -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(tty_chars, tty_colors, tty_cursor) from real NLE and MiniHack play."""
    from rllib_nethack import make_env

    screens = []
    for task, seed in (
        ("score", 1),
        ("challenge", 2),
        ("room5x5", 3),
        ("MiniHack-Quest-Easy-v0", 4),
    ):
        env = make_env(task, observation_keys=["tty_chars", "tty_colors", "tty_cursor"])
        env.action_space.seed(seed)
        obs, _ = env.reset(seed=seed)
        for t in range(120):
            if t % 10 == 0:
                screens.append((obs["tty_chars"], obs["tty_colors"], obs["tty_cursor"]))
            obs, _, terminated, truncated, _ = env.step(env.action_space.sample())
            if terminated or truncated:
                obs, _ = env.reset()
        env.close()
    return screens


# --------------------------------------------------------------------------- numpy vs loop
@pytest.mark.parametrize(("crop_dim", "pixel_size"), [(18, 6), (9, 6), (17, 4), (5, 3)])
def test_crop_equals_the_plain_loop(crop_dim: int, pixel_size: int) -> None:
    renderer = TerminalRenderer(crop_dim, pixel_size)
    chars, colors = random_screen(crop_dim)
    for cursor in [*EDGE_CURSORS, (10, 30)]:
        cursor = np.array(cursor, dtype=np.uint8)
        expected = loop_crop(chars, colors, cursor, crop_dim, pixel_size)
        np.testing.assert_array_equal(renderer.crop(chars, colors, cursor), expected, str(cursor))


def test_crop_after_an_edge_crop_has_no_leftovers() -> None:
    # The renderer reuses its scratch window: a centred crop after an edge crop
    # (and the other way round) must not keep cells of the previous one.
    renderer = TerminalRenderer(18, 6)
    chars, colors = random_screen(0)
    for cursor in [(0, 0), (12, 40), (23, 79), (0, 79), (12, 40)]:
        cursor = np.array(cursor, dtype=np.uint8)
        expected = loop_crop(chars, colors, cursor, 18, 6)
        np.testing.assert_array_equal(renderer.crop(chars, colors, cursor), expected)


def test_crops_are_new_arrays() -> None:
    renderer = TerminalRenderer(18, 6)
    chars, colors = random_screen(1)
    first = renderer.crop(chars, colors, np.array([5, 5], np.uint8))
    kept = first.copy()
    renderer.crop(chars, colors, np.array([20, 70], np.uint8))
    np.testing.assert_array_equal(first, kept)


def test_whole_screen_equals_the_plain_loop() -> None:
    renderer = TerminalRenderer(18, 4)
    chars, colors = random_screen(2)
    image = renderer.screen(chars, colors)
    assert image.shape == (ROWS * 4, COLS * 4, 3)
    atlas = glyph_atlas(4)
    for r in range(ROWS):
        for c in range(COLS):
            tile = image[r * 4 : (r + 1) * 4, c * 4 : (c + 1) * 4]
            expected = atlas[int(chars[r, c]) * 16 + (int(colors[r, c]) & 15)]
            np.testing.assert_array_equal(tile, expected)


def test_glyph_atlas() -> None:
    masks = glyph_masks(6)
    assert masks.shape == (256, 6, 6)
    assert not masks[32].any() and not masks[0].any()  # space and NUL are blank
    assert all(masks[code].any() for code in range(33, 127))  # every printable is drawn
    important = (
        "@.#<>|-+{}%$?!/=*)[(`_^\"'0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    )
    shapes = {masks[ord(ch)].tobytes() for ch in important}
    assert len(shapes) == len(important)  # NetHack's symbols stay distinguishable
    atlas = glyph_atlas(6)
    assert atlas.shape == (256 * 16, 6, 6, 3) and atlas.dtype == np.uint8
    at = ord("@") * 16 + 1  # "@" in red
    expected = np.rint(masks[ord("@")][..., None] * PALETTE[1]).astype(np.uint8)
    np.testing.assert_array_equal(atlas[at], expected)


# --------------------------------------------------------------------------- torch vs numpy
def test_torch_renderer_equals_numpy_on_real_screens(real_screens) -> None:
    renderer = TerminalRenderer(18, 6)
    chars = np.stack([s[0] for s in real_screens])
    colors = np.stack([s[1] for s in real_screens])
    cursors = np.stack([s[2] for s in real_screens])
    pixels = torch_crop(chars, colors, cursors, 18, 6)
    for i in range(len(real_screens)):
        np.testing.assert_array_equal(pixels[i], renderer.crop(chars[i], colors[i], cursors[i]))
    # Real play put the cursor on the message line (row 0) as well as on the map.
    assert (cursors[:, 0] == 0).any() and (cursors[:, 0] > 1).any()


@pytest.mark.parametrize(("crop_dim", "pixel_size"), [(18, 6), (9, 4), (12, 6)])
def test_torch_renderer_equals_numpy_with_the_hero_at_the_edges(
    real_screens, crop_dim: int, pixel_size: int
) -> None:
    # Real screens, with the cursor moved to every edge and corner.
    renderer = TerminalRenderer(crop_dim, pixel_size)
    batch = [
        (ch, co, np.array(cur, np.uint8)) for ch, co, _ in real_screens[:6] for cur in EDGE_CURSORS
    ]
    chars = np.stack([b[0] for b in batch])
    colors = np.stack([b[1] for b in batch])
    cursors = np.stack([b[2] for b in batch])
    pixels = torch_crop(chars, colors, cursors, crop_dim, pixel_size)
    for i, (ch, co, cur) in enumerate(batch):
        np.testing.assert_array_equal(pixels[i], renderer.crop(ch, co, cur), str(cur))


def test_torch_renderer_equals_numpy_on_every_code_and_colour() -> None:
    chars, colors = random_screen(3)
    cursors = np.array(EDGE_CURSORS, dtype=np.uint8)
    n = len(cursors)
    pixels = torch_crop(np.repeat(chars[None], n, 0), np.repeat(colors[None], n, 0), cursors, 18, 6)
    renderer = TerminalRenderer(18, 6)
    for i in range(n):
        np.testing.assert_array_equal(pixels[i], renderer.crop(chars, colors, cursors[i]))


# --------------------------------------------------------------------------- the wrapper
def test_screen_image_wrapper_equals_the_renderer(make) -> None:
    env = make("score", observation_keys=["screen_image", "tty_chars", "tty_colors", "tty_cursor"])
    renderer = TerminalRenderer(18, 6)
    env.action_space.seed(0)
    obs, _ = env.reset(seed=0)
    kept = []
    for _ in range(60):
        expected = renderer.crop(obs["tty_chars"], obs["tty_colors"], obs["tty_cursor"])
        np.testing.assert_array_equal(obs["screen_image"], expected)
        kept.append((obs["screen_image"], copy.deepcopy(obs["screen_image"])))
        obs, *_ = env.step(env.action_space.sample())
    for image, snapshot in kept:  # earlier images were not overwritten
        np.testing.assert_array_equal(image, snapshot)
    assert len({snapshot.tobytes() for _, snapshot in kept}) > 5


def test_screen_image_alone_is_the_same_picture(make) -> None:
    # With only screen_image asked for, the tty observations are fetched to draw
    # it and then dropped: the picture is the same.
    alone = make("score", observation_keys=["screen_image"], crop_dim=12, pixel_size=4)
    full = make(
        "score",
        observation_keys=["screen_image", "tty_chars", "tty_colors", "tty_cursor"],
        crop_dim=12,
        pixel_size=4,
    )
    a, _ = alone.reset(seed=5)
    b, _ = full.reset(seed=5)
    assert list(a) == ["screen_image"]
    np.testing.assert_array_equal(a["screen_image"], b["screen_image"])
    np.testing.assert_array_equal(
        b["screen_image"],
        TerminalRenderer(12, 4).crop(b["tty_chars"], b["tty_colors"], b["tty_cursor"]),
    )
    assert a["screen_image"].any()  # the hero and the room are drawn
