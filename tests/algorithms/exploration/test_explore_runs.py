"""Smoke runs with each bonus: train, checkpoint (bonus networks and optimizer state), resume,
and the intrinsic return in progress.csv while the reported return stays extrinsic."""

from __future__ import annotations

import io
import math
import pickle
from pathlib import Path

import pytest
from omegaconf import DictConfig, open_dict

from rllib_nethack import ConfigError
from rllib_nethack.config import compose_config as compose_run
from rllib_nethack.runs.checkpoints import checkpoints_in
from rllib_nethack.training.reporting import read_progress
from rllib_nethack.training.trainer import RunSummary, train


def run(tmp_path: Path, *overrides: str, resume: Path | None = None) -> tuple[RunSummary, str]:
    cfg: DictConfig = compose_run(["debug=smoke", "+task=room5x5", *overrides])
    with open_dict(cfg):
        cfg.experiment.run_dir = str(tmp_path)
        if resume is not None:
            cfg.resume = str(resume)
    out = io.StringIO()
    return train(cfg, out=out), out.getvalue()


def learner_state(checkpoint: Path) -> tuple[dict, dict]:
    learner = checkpoint / "learner_group" / "learner"
    with (learner / "rl_module" / "default_policy" / "module_state.pkl").open("rb") as f:
        module = pickle.load(f)
    with (learner / "state.pkl").open("rb") as f:
        optimizer = pickle.load(f)["optimizer"]
    return module, next(iter(optimizer.values()))["state"]["state"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("bonus", "algo", "runners"),
    # Each bonus once and each algorithm at least once. E3B's bonus is computed on
    # the env runners with the learner's embedding: it runs with one remote env
    # runner (a minute); the others sample in the learner's process (10 s).
    [("count", "appo", 0), ("e3b", "impala", 1), ("ride", "ppo", 0), ("rnd", "appo", 0)],
)
def test_bonus_run_checkpoints_and_resumes(
    ray_local: None, tmp_path: Path, bonus: str, algo: str, runners: int
) -> None:
    first, _ = run(
        tmp_path / "first",
        f"explore={bonus}",
        f"algo={algo}",
        f"cluster.rllib.num_env_runners={runners}",
        "stop.iterations=3",
    )
    rows = read_progress(first.run_dir / "progress.csv")
    intrinsic = [
        r["intrinsic_return_mean"] for r in rows if not math.isnan(r["intrinsic_return_mean"])
    ]
    assert intrinsic and all(v > 0 for v in intrinsic)
    # The reported return is MiniHack's own: at most +1 (the goal), never the bonus's hundreds.
    assert all(r["return_mean"] <= 1.0 for r in rows if not math.isnan(r["return_mean"]))

    checkpoint = checkpoints_in(first.run_dir)[-1]
    module, optimizer = learner_state(checkpoint)
    e3b_keys = [k for k in module if k.startswith("e3b")]
    rnd_keys = [k for k in module if k.startswith("rnd.")]
    ride_keys = [k for k in module if k.startswith("ride")]
    assert bool(rnd_keys) == (bonus == "rnd")
    assert bool(ride_keys) == (bonus == "ride")
    if bonus == "rnd":  # both networks; Adam's moments for the predictor, none for the target
        from ray.rllib.core.rl_module.rl_module import RLModule

        assert any(k.startswith("rnd.target.") for k in rnd_keys)
        path = checkpoint / "learner_group" / "learner" / "rl_module" / "default_policy"
        restored = RLModule.from_checkpoint(path)
        trained = [p for p in restored.parameters() if p.requires_grad]  # type: ignore[attr-defined]
        assert len(optimizer) == len(trained)
        assert not any(p.requires_grad for p in restored.rnd.target.parameters())  # type: ignore[attr-defined]
    if bonus in ("e3b", "ride"):  # the embedding, its dynamics heads, Adam's moments for all
        from ray.rllib.core.rl_module.rl_module import RLModule

        heads = ["e3b_inverse"] if bonus == "e3b" else ["ride_inverse", "ride_forward"]
        assert all(any(k.startswith(f"{h}.") for k in module) for h in heads)
        path = checkpoint / "learner_group" / "learner" / "rl_module" / "default_policy"
        restored = RLModule.from_checkpoint(path)
        trained = [p for p in restored.parameters() if p.requires_grad]  # type: ignore[attr-defined]
        assert len(optimizer) == len(trained)
        for head in heads:
            assert any(p is getattr(restored, head)[-1].weight for p in trained)
    if bonus != "e3b":
        assert not e3b_keys
    # RND and RIDE value their return with a second head (MiniHack's two heads), the others not.
    assert any(k.startswith("intrinsic_vf.") for k in module) == (bonus in ("rnd", "ride"))

    second, text = run(
        tmp_path / "second",
        f"explore={bonus}",
        f"algo={algo}",
        f"cluster.rllib.num_env_runners={runners}",
        "stop.iterations=1",
        resume=first.run_dir,
    )
    assert f"resumed  {checkpoint}" in text
    assert second.last is not None and second.last.iteration == first.iterations + 1
    resumed, _ = learner_state(checkpoints_in(second.run_dir)[-1])
    assert sorted(resumed) == sorted(module)

    # Another bonus cannot take over the checkpoint: one line, before Ray trains anything.
    other = "none" if bonus == "count" else "count"
    with pytest.raises(ConfigError, match=f"trained with explore={bonus}, not explore={other}"):
        run(tmp_path / "third", f"explore={other}", f"algo={algo}", resume=second.run_dir)
