"""Ray's and RLlib's chatter into ``<run_dir>/ray.log``; their errors still on the console.

What a run prints before its first progress row should be the run's own lines.
Ray and RLlib log notes there at WARNING (the new API stack is on, token
authentication, gputil, RLlib's own deprecations) and stream every worker's
stdout/stderr to the driver. :class:`RayLogRouter` sends all of it to a file:

* the two loggers that print themselves, ``ray`` and ``ray.rllib`` (every other
  ``ray.*`` logger propagates to one of them), keep their console handlers but
  at ERROR, and gain a handler writing everything to the file;
* worker output, which Ray's driver prints from its ``ray_print_logs`` thread,
  goes to the file; a batch that looks like an error (a traceback, an
  ``ERROR``/``CRITICAL``/``FATAL`` level, ``SomeError:``) also to the console,
  printed by Ray as before. The autoscaler's events stay Ray's to print.

Records logged before the run directory exists (RLlib's config checks run
before it is created, so that a rejected command leaves none) are held in
memory and written when :meth:`RayLogRouter.open` names the file.
``verbose=true`` skips all this: the console shows what Ray prints.

Ray's C++ core (lines like ``[... E ...] core_worker.cc``) writes straight to
the process's stderr; it is not routed.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

#: Loggers with their own console handlers (``propagate`` off); the rest of
#: ``ray.*`` reaches the console through them.
RAY_LOGGERS = ("ray", "ray.rllib")
#: The name under which Ray's driver registers its worker-output printer.
WORKER_PRINTER = "ray_print_logs"
#: Worker output that is an error: shown on the console as well as filed.
ERROR_LINE = re.compile(
    r"Traceback \(most recent call last\)|\b(ERROR|CRITICAL|FATAL|Fatal Python error)\b"
    r"|\b\w*(Error|Exception)\b:"
)
#: Records kept before the file is named; beyond it the oldest are dropped.
HELD_LINES = 10_000

LogBatch = dict[str, Any]


def is_error_batch(lines: list[str]) -> bool:
    """Whether worker output ``lines`` hold an error (they then also go to the console)."""
    return any(ERROR_LINE.search(line) for line in lines)


def worker_prefix(batch: LogBatch) -> str:
    """``(LeanEnvRunner pid=123, ip=127.0.0.1)``: the worker a line came from."""
    who = batch.get("actor_name") or batch.get("task_name") or ""
    where = f"pid={batch.get('pid')}" + (f", ip={batch['ip']}" if batch.get("ip") else "")
    return f"({who} {where})" if who else f"({where})"


class RunLogHandler(logging.Handler):
    """Writes records (and worker lines) to a file, holding them until it is named."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.setFormatter(logging.Formatter("%(asctime)s\t%(levelname)s %(name)s -- %(message)s"))
        self._file: IO[str] | None = None
        self._held: list[str] = []
        self._write_lock = threading.Lock()

    def open(self, path: Path) -> None:
        """Start writing to ``path`` (appended: a resumed run keeps its earlier lines)."""
        with self._write_lock:
            self._file = path.open("a", encoding="utf-8")
            self._file.writelines(self._held)
            self._file.flush()
            self._held = []

    def write_text(self, text: str) -> None:
        """One or more lines (ending in a newline) to the file, or held for it."""
        with self._write_lock:
            if self._file is None:
                self._held.append(text)
                del self._held[:-HELD_LINES]
            else:
                self._file.write(text)
                self._file.flush()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.write_text(self.format(record) + "\n")
        except Exception:  # logging's rule: a failing handler must not raise
            self.handleError(record)

    def close(self) -> None:
        with self._write_lock:
            if self._file is not None:
                self._file.close()
                self._file = None
            self._held = []
        super().close()


class RayLogRouter:
    """Routes Ray's and RLlib's log lines to a file while installed (see the module docstring)."""

    def __init__(self) -> None:
        self.handler = RunLogHandler()
        self._saved_levels: list[tuple[logging.Handler, int]] = []
        self._ray_printer: Callable[[LogBatch], None] | None = None

    def install(self) -> None:
        """Route the ``ray`` and ``ray.rllib`` loggers (before anything of Ray logs)."""
        for name in RAY_LOGGERS:
            logger = logging.getLogger(name)
            for console in logger.handlers:
                self._saved_levels.append((console, console.level))
                console.setLevel(max(console.level, logging.ERROR))
            logger.addHandler(self.handler)

    def open(self, path: Path) -> None:
        """Write to ``path`` from now on, starting with what was held."""
        self.handler.open(path)

    def route_workers(self) -> None:
        """Send worker output to the file (call right after ``ray.init``).

        Ray's own printer stays the one that shows error batches, so they look
        as before; ``ray.shutdown`` removes ours by Ray's name for it.
        """
        from ray._private.ray_logging import global_worker_stdstream_dispatcher as dispatcher

        printers = [handle for name, handle in dispatcher.handlers if name == WORKER_PRINTER]
        if not printers:  # log_to_driver off, or joined a cluster that prints nothing
            return
        self._ray_printer = printers[0]
        dispatcher.remove_handler(WORKER_PRINTER)
        dispatcher.add_handler(WORKER_PRINTER, self._file_worker_lines)

    def _file_worker_lines(self, batch: LogBatch) -> None:
        if batch.get("pid") == "autoscaler":
            # Ray's printer shows only the autoscaler's events (a resource request
            # nothing can fulfil), not its status report every few seconds.
            if self._ray_printer is not None:
                self._ray_printer(batch)
            return
        lines = [str(line) for line in batch.get("lines", [])]
        prefix = worker_prefix(batch)
        self.handler.write_text("".join(f"{prefix} {line}\n" for line in lines))
        if self._ray_printer is not None and is_error_batch(lines):
            self._ray_printer(batch)

    def uninstall(self) -> None:
        """Undo :meth:`install` and :meth:`route_workers`; close the file."""
        for name in RAY_LOGGERS:
            logging.getLogger(name).removeHandler(self.handler)
        for console, level in self._saved_levels:
            console.setLevel(level)
        self._saved_levels = []
        if self._ray_printer is not None:
            from ray._private.ray_logging import global_worker_stdstream_dispatcher as dispatcher

            if any(handle == self._file_worker_lines for _, handle in dispatcher.handlers):
                dispatcher.remove_handler(WORKER_PRINTER)
                dispatcher.add_handler(WORKER_PRINTER, self._ray_printer)
            self._ray_printer = None
        self.handler.close()


@contextmanager
def ray_log_routing(enabled: bool) -> Iterator[RayLogRouter | None]:
    """A :class:`RayLogRouter` installed for the block, or None when not ``enabled`` (verbose)."""
    if not enabled:
        yield None
        return
    router = RayLogRouter()
    router.install()
    try:
        yield router
    finally:
        router.uninstall()
