"""Run every script named in ARGV with ``--help`` in this one interpreter and print, as
JSON, each one's exit code, output and error output (tests/benchmarks/test_scripts.py).

One interpreter for all: each script's own imports still run at its top (a moved import
still fails here), while torch and Ray are imported once, not once per script."""

import contextlib
import io
import json
import runpy
import sys
import traceback
from pathlib import Path

results: dict[str, dict[str, object]] = {}
for name in sys.argv[1:]:
    script = Path(name)
    out, err = io.StringIO(), io.StringIO()
    code: object = 0
    sys.argv = [script.name, "--help"]
    sys.path.insert(0, str(script.parent))
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            runpy.run_path(str(script), run_name="__main__")
    except SystemExit as stop:
        code = stop.code or 0
    except Exception:
        code = 1
        err.write(traceback.format_exc())
    finally:
        sys.path.remove(str(script.parent))
    results[script.name] = {"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()}
print(json.dumps(results))
