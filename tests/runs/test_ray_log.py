"""Ray's and RLlib's log lines go to the run's ray.log; errors still reach the console."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ray._private.ray_logging import global_worker_stdstream_dispatcher as dispatcher

from rllib_nethack.runs.ray_log import WORKER_PRINTER, is_error_batch, ray_log_routing

RLLIB = logging.getLogger("ray.rllib.algorithms.algorithm_config")
DEPRECATION = logging.getLogger("ray._common.deprecation")  # reaches the console through "ray"


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """What Ray's and RLlib's own console handlers print (their stream, swapped for the test)."""
    text = io.StringIO()
    handlers = {
        h
        for name in ("ray", "ray.rllib")
        for h in logging.getLogger(name).handlers
        if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)
    }
    assert handlers
    streams = {h: h.stream for h in handlers}
    for handler in handlers:
        handler.setStream(text)
    try:
        yield text
    finally:
        for handler, stream in streams.items():
            handler.stream = stream


def test_warnings_go_to_the_file_held_until_it_is_named(
    tmp_path: Path, console: io.StringIO
) -> None:
    log = tmp_path / "ray.log"
    with ray_log_routing(True) as router:
        assert router is not None
        RLLIB.warning("You are running APPO on the new API stack!")  # before the run dir exists
        router.open(log)
        DEPRECATION.warning("DeprecationWarning: `RLModule(config=...)` has been deprecated.")
    assert "new API stack" not in console.getvalue()
    assert "Deprecat" not in console.getvalue()
    text = log.read_text()
    assert "You are running APPO on the new API stack!" in text
    assert "RLModule(config=...)" in text


def test_errors_still_reach_the_console(tmp_path: Path, console: io.StringIO) -> None:
    with ray_log_routing(True) as router:
        assert router is not None
        router.open(tmp_path / "ray.log")
        RLLIB.error("EnvRunner 1 failed")
        DEPRECATION.error("the actor died")
    assert "EnvRunner 1 failed" in console.getvalue()
    assert "the actor died" in console.getvalue()
    assert "EnvRunner 1 failed" in (tmp_path / "ray.log").read_text()


def test_verbose_leaves_ray_printing_to_the_console(console: io.StringIO) -> None:
    with ray_log_routing(False) as router:
        assert router is None
        RLLIB.warning("You are running APPO on the new API stack!")
    assert "new API stack" in console.getvalue()


def test_routing_is_undone_afterwards(console: io.StringIO) -> None:
    before = [(h, h.level) for h in logging.getLogger("ray").handlers]
    with ray_log_routing(True):
        pass
    assert [(h, h.level) for h in logging.getLogger("ray").handlers] == before
    RLLIB.warning("printed as Ray prints it")
    assert "printed as Ray prints it" in console.getvalue()


def _batch(*lines: str) -> dict[str, Any]:
    return {
        "ip": "127.0.0.1",
        "pid": 4242,
        "actor_name": "SingleAgentEnvRunner",
        "lines": list(lines),
        "is_err": True,
    }


def test_worker_output_goes_to_the_file_and_error_batches_also_to_ray(tmp_path: Path) -> None:
    printed: list[list[str]] = []
    dispatcher.add_handler(WORKER_PRINTER, lambda batch: printed.append(batch["lines"]))
    try:
        with ray_log_routing(True) as router:
            assert router is not None
            router.open(tmp_path / "ray.log")
            router.route_workers()
            dispatcher.emit(_batch("DeprecationWarning: `APPOTorchRLModule` has been deprecated."))
            dispatcher.emit(_batch("Traceback (most recent call last):", "ValueError: boom"))
        text = (tmp_path / "ray.log").read_text()
        assert "(SingleAgentEnvRunner pid=4242, ip=127.0.0.1) DeprecationWarning" in text
        assert "(SingleAgentEnvRunner pid=4242, ip=127.0.0.1) ValueError: boom" in text
        assert printed == [["Traceback (most recent call last):", "ValueError: boom"]]
        # Ray's printer is back once the routing ends.
        dispatcher.emit(_batch("after"))
        assert printed[-1] == ["after"]
    finally:
        dispatcher.remove_handler(WORKER_PRINTER)


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("Traceback (most recent call last):", True),
        ("ValueError: NLE crashed", True),
        ("2026-12-03 05:44:06,431\tERROR actor_manager.py:1 -- Worker died", True),
        ("Fatal Python error: Segmentation fault", True),
        ("DeprecationWarning: `RLModule(config=...)` has been deprecated.", False),
        ("2026-12-03 05:44:06,431\tWARNING util.py:62 -- Install gputil", False),
        ("no errors so far", False),
    ],
)
def test_error_batches_are_recognised(line: str, error: bool) -> None:
    assert is_error_batch(["some context", line]) is error
