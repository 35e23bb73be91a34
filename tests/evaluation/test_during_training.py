"""``experiment.eval_every``: seeded evaluation games during training."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image


@pytest.mark.slow
def test_training_evaluates_every_n_iterations(smoke_checkpoint: Path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run_dir = smoke_checkpoint
    (video,) = (run_dir / "videos").glob("*.gif")
    assert video.name == "iter_000002.gif"  # eval_every=2 over 2 iterations: once
    with Image.open(video) as gif:
        assert gif.n_frames >= 1 and gif.size == (960, 288)
    events = EventAccumulator(str(run_dir / "tensorboard"))
    events.Reload()
    tags = set(events.Tags()["scalars"])
    for tag in ("reward/reward", "len/len_max", "policy_stats/avg_score", "episodes"):
        assert f"evaluation/{tag}" in tags
    (point,) = events.Scalars("evaluation/episodes")
    assert point.value == 3
