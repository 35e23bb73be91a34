"""Printing into a pipe whose reader has gone (`run ... | head`)."""

from __future__ import annotations

import os

from rllib_nethack.console import PipeSafeStream


def test_a_closed_pipe_drops_output_instead_of_raising() -> None:
    read_end, write_end = os.pipe()
    raw = os.fdopen(write_end, "w")
    stream = PipeSafeStream(raw)  # type: ignore[arg-type]
    try:
        print("read", file=stream, flush=True)
        assert os.read(read_end, 100) == b"read\n"
        os.close(read_end)  # the reader leaves
        print("into the void", file=stream, flush=True)
        assert stream.broken
        print("and more", file=stream, flush=True)
        # The descriptor now discards too: writes straight to it (Ray, C code) succeed.
        assert os.write(raw.fileno(), b"direct") == len(b"direct")
        assert stream.fileno() == write_end  # everything else is the wrapped stream's
    finally:
        raw.close()
