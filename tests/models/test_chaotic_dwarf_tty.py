"""``chaotic_dwarf_tty``: the terminal-only model a ttyrec can feed, in RL as in cloning.

The shared model tests (``test_modules.py``) cover its shapes, state, gradients,
targets and checkpoints; here: what it reads, and that it reads it from the screen.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from commands import run_cli
from ray.rllib.core.columns import Columns

from rllib_nethack import ConfigError, make_env
from rllib_nethack.config import compose_config, env_options
from rllib_nethack.models import ARCHITECTURES, NetHackRLModule

TTY_KEYS = ("tty_chars", "tty_colors", "tty_cursor")
TTY = ARCHITECTURES["chaotic_dwarf_tty"]


def encoder_outputs(encoder: Any, obs: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """Each part's features and the whole encoder's, for one observation."""
    batch = {k: torch.from_numpy(np.array(v)[None]) for k, v in obs.items()}
    with torch.no_grad():
        out = {name: part(batch) for name, part in encoder.parts.items()}
        out["all"] = encoder(batch)
    return out


def test_reads_the_terminal_and_nothing_else() -> None:
    assert TTY.reads(TTY.settings()) == ("prev_action", *TTY_KEYS)
    assert TTY.reads(TTY.parse({"use_prev_action": False})) == TTY_KEYS
    with pytest.raises(ConfigError, match=r"model\.use_blstats is not a setting"):
        TTY.parse({"use_blstats": True})


def test_a_training_run_gives_the_env_only_the_tty_keys() -> None:
    cfg = compose_config(["+task=challenge", "model=chaotic_dwarf_tty"])
    keys = env_options(cfg)["observation_keys"]
    assert sorted(keys) == ["prev_action", *TTY_KEYS]
    lean = compose_config(
        ["+task=challenge", "model=chaotic_dwarf_tty", "model.use_prev_action=false"]
    )
    assert sorted(env_options(lean)["observation_keys"]) == list(TTY_KEYS)


def _edited(obs: dict[str, np.ndarray], row: int, col: int, char: int) -> dict[str, np.ndarray]:
    chars = obs["tty_chars"].copy()
    chars[row, col] = char
    return {**obs, "tty_chars": chars}


def test_status_lines_come_from_the_screen_text(env_for: Callable, observations: Callable) -> None:
    env = env_for("chaotic_dwarf_tty")
    obs = observations("chaotic_dwarf_tty")[0]
    encoder = TTY.build(TTY.settings(), int(env.action_space.n), env.observation_space.spaces)
    encoder.eval()
    base = encoder_outputs(encoder, obs)

    # One HP digit on the bottom line: the status-line features change, the message's do not.
    bottom = obs["tty_chars"][-1].tobytes()
    col = bottom.index(b"HP:") + 3
    digit = obs["tty_chars"][-1, col]
    assert chr(digit).isdigit(), bottom
    hp = encoder_outputs(encoder, _edited(obs, -1, col, 48 + (digit - 48 + 1) % 10))
    assert not torch.allclose(hp["bottom_lines"], base["bottom_lines"])
    assert torch.equal(hp["top_line"], base["top_line"])

    # A map cell outside the crop around the cursor (the hero): the model cannot see it.
    cursor_col = int(obs["tty_cursor"][1])
    far_col = cursor_col + 20 if cursor_col < 60 else cursor_col - 20  # the crop is 18 wide
    far = encoder_outputs(encoder, _edited(obs, 10, far_col, ord("D")))
    for name in base:
        assert torch.equal(far[name], base[name]), name


def test_runs_on_what_a_ttyrec_holds_and_shares_weights_with_chaotic_dwarf(
    observations: Callable, to_batch: Callable
) -> None:
    batch = to_batch(observations("chaotic_dwarf_tty"), 2, 3)
    frames = {k: batch[k].flatten(0, 1) for k in TTY_KEYS}  # no LSTM: [N, ...]
    ttyrec_env = make_env("challenge", observation_keys=list(TTY_KEYS))
    module = NetHackRLModule(
        observation_space=ttyrec_env.observation_space,
        action_space=ttyrec_env.action_space,
        model_config={"name": "chaotic_dwarf_tty", "use_prev_action": False, "rnn_size": 0},
    )
    logits = module.forward_inference({Columns.OBS: frames})[Columns.ACTION_DIST_INPUTS]
    assert logits.shape == (6, ttyrec_env.action_space.n)
    # The same parts by the same names: a tty model's weights are chaotic_dwarf's without blstats.
    dwarf = ARCHITECTURES["chaotic_dwarf"]
    twin = dwarf.build(dwarf.parse({"use_blstats": False, "use_prev_action": False}), 1, {})
    twin.load_state_dict(module.encoder.state_dict())
    with torch.no_grad():
        assert torch.equal(twin(frames), module.encoder(frames))


@pytest.mark.slow
def test_smoke_training_run_checkpoints(tmp_path: Path) -> None:
    done = run_cli(
        "+task=challenge",
        "model=chaotic_dwarf_tty",
        "debug=smoke",
        "experiment.root_dir=runs",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("iter ") >= 2
    (run_dir,) = (tmp_path / "runs").iterdir()
    (trial,) = run_dir.iterdir()
    assert "chaotic_dwarf_tty" in run_dir.name
    assert (trial / "checkpoints" / "iter_000002" / "rllib_checkpoint.json").is_file()
    assert "name: chaotic_dwarf_tty" in (trial / "run_config.yaml").read_text()
