"""``resume=PATH`` fills in the checkpoint's task, algo, model and explore choices."""

from __future__ import annotations

from pathlib import Path

from rllib_nethack.config.resume_args import with_resumed_choices

SAVED = """\
task: {name: MiniHack-Eat-v0}
algo: {name: impala}
model: {name: minihack}
explore: {name: count}
"""


def run_dir(tmp_path: Path, text: str = SAVED) -> Path:
    (tmp_path / "run_config.yaml").write_text(text)
    return tmp_path


def test_every_missing_choice_comes_from_the_run_config(tmp_path: Path) -> None:
    argv = [f"resume={run_dir(tmp_path)}", "stop.env_steps=10"]
    assert with_resumed_choices(argv) == [
        "+task=MiniHack-Eat-v0",
        "algo=impala",
        "model=minihack",
        "explore=count",
        *argv,
    ]


def test_choices_on_the_command_line_are_kept_for_the_trainer_to_check(tmp_path: Path) -> None:
    argv = ["+task=minihack-eat-v0", "model=baseline", f"resume={run_dir(tmp_path)}"]
    assert with_resumed_choices(argv) == ["algo=impala", "explore=count", *argv]


def test_another_task_adds_nothing_so_the_trainer_names_the_checkpoints(tmp_path: Path) -> None:
    for task in ("+task=staircase", "+task=no_such_task"):
        argv = [task, f"resume={run_dir(tmp_path)}"]
        assert with_resumed_choices(argv) == argv


def test_nothing_is_added_without_a_readable_local_run_config(tmp_path: Path) -> None:
    for argv in (
        ["stop.env_steps=10"],  # no resume
        [f"resume={tmp_path / 'missing'}"],
        ["resume=s3://bucket/run"],  # fetched later, by the trainer
        [f"resume={run_dir(tmp_path, ': [oops')}"],  # the trainer names the problem
    ):
        assert with_resumed_choices(argv) == argv
