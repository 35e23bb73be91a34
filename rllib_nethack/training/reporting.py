"""What a training run tells its user: a progress line per iteration, TensorBoard
event files, a ``progress.csv`` and a learning-curve PNG at the end."""

from __future__ import annotations

import csv
import io
import math
import numbers
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rllib_nethack.metrics import result_keys as keys
from rllib_nethack.runs.atomic import write_text, write_with

#: Columns of progress.csv, in order.
PROGRESS_COLUMNS = (
    "iteration",
    "env_steps",
    "time_s",
    "steps_per_s",
    "trained_steps",
    "episodes",
    "return_mean",
    "score_mean",
    "max_depth_mean",
    "bc_loss",
    "action_accuracy",
    "unmapped_keys",
    "intrinsic_return_mean",
    "success_rate",
    "episode_len_mean",
    "return_std",
    "window",
)
#: RLlib's default ``metrics_num_episodes_for_smoothing``.
DEFAULT_WINDOW = 100


@dataclass(frozen=True)
class Progress:
    """The headline numbers of one iteration (NaN where no episode finished yet)."""

    iteration: int
    env_steps: int
    time_s: float
    steps_per_s: float
    trained_steps: int
    episodes: int
    return_mean: float
    score_mean: float
    max_depth_mean: float
    #: Learning from demonstrations (``algo=bc``): the loss, and how often the
    #: policy's most likely action is the demonstrator's. NaN for the others.
    bc_loss: float = math.nan
    action_accuracy: float = math.nan
    #: Demonstration keypresses so far that no action of the task sends.
    unmapped_keys: float = math.nan
    #: The exploration bonus per episode (``explore=count|e3b|ride|rnd``; NaN without one).
    intrinsic_return_mean: float = math.nan
    #: The share of episodes that reached the task's goal (what MiniHack is judged by).
    success_rate: float = math.nan
    #: Mean episode length in env steps.
    episode_len_mean: float = math.nan
    #: The standard deviation of the episode returns behind ``return_mean``.
    return_std: float = math.nan
    #: The episode means above are over the last ``window`` episodes to end
    #: (RLlib's ``metrics_num_episodes_for_smoothing``), or all of them while
    #: fewer have ended: see :func:`episodes_in_mean`.
    window: int = DEFAULT_WINDOW


def episodes_in_mean(p: Progress) -> int:
    """How many episodes the episode means of ``p`` are over."""
    return min(p.episodes, p.window)


def _get(result: Mapping[str, Any], *path: str) -> Any:
    node: Any = result
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _latest(value: Any, before: float) -> float:
    """A number from a result, or ``before`` where the result has none (or NaN).

    An iteration in which no episode ended reports no episode metrics; the last
    ones measured still stand.
    """
    number = _number(value)
    return before if math.isnan(number) else number


def _count(value: Any, before: int) -> int:
    return int(_latest(value, before))


def starting_point(iteration: int = 0, env_steps: int = 0, trained_steps: int = 0) -> Progress:
    """The progress before this process's first iteration (a restored checkpoint's counts)."""
    nan = math.nan
    return Progress(iteration, env_steps, 0.0, nan, trained_steps, 0, nan, nan, nan)


def _spread(square_mean: float, mean: float) -> float:
    """Standard deviation from the mean of squares and the square of the mean."""
    if math.isnan(square_mean) or math.isnan(mean):
        return math.nan
    return math.sqrt(max(0.0, square_mean - mean * mean))  # rounding can dip below 0


def progress_of(
    result: Mapping[str, Any],
    elapsed_s: float,
    previous: Progress | None,
    window: int = DEFAULT_WINDOW,
) -> Progress:
    """Headline numbers from an RLlib result dict.

    ``previous`` is the last iteration's progress, or :func:`starting_point`
    (``None`` for a fresh run): steps/s counts only what this process sampled.
    ``window`` is the run's ``metrics_num_episodes_for_smoothing``.
    """
    last = previous or starting_point()
    return_mean = _latest(_get(result, *keys.RETURN_MEAN), last.return_mean)
    square_mean = _number(_get(result, *keys.nethack_metric(keys.RETURN_SQUARE_MEAN)))
    env_steps = _count(_get(result, *keys.ENV_STEPS_SAMPLED), last.env_steps)
    dt = elapsed_s - last.time_s
    rate = (env_steps - last.env_steps) / dt if dt > 0 else math.nan

    return Progress(
        iteration=_count(_get(result, *keys.ITERATION), last.iteration),
        env_steps=env_steps,
        time_s=elapsed_s,
        steps_per_s=rate,
        trained_steps=_count(_get(result, *keys.ENV_STEPS_TRAINED), last.trained_steps),
        episodes=_count(_get(result, *keys.EPISODES), last.episodes),
        return_mean=return_mean,
        score_mean=_latest(_get(result, *keys.nethack_metric("score_mean")), last.score_mean),
        max_depth_mean=_latest(
            _get(result, *keys.nethack_metric("max_depth_mean")), last.max_depth_mean
        ),
        bc_loss=_number(_get(result, *keys.learner_stat(keys.BC_LOSS))),
        action_accuracy=_number(_get(result, *keys.learner_stat(keys.BC_ACCURACY))),
        unmapped_keys=_number(_get(result, *keys.UNMAPPED_KEYS)),
        intrinsic_return_mean=_latest(
            _get(result, *keys.nethack_metric(keys.INTRINSIC_RETURN_MEAN)),
            last.intrinsic_return_mean,
        ),
        success_rate=_latest(
            _get(result, *keys.nethack_metric(keys.SUCCESS_RATE)), last.success_rate
        ),
        episode_len_mean=_latest(_get(result, *keys.LENGTH_MEAN), last.episode_len_mean),
        return_std=_latest(_spread(square_mean, return_mean), last.return_std),
        window=window,
    )


def _clock(seconds: float) -> str:
    if math.isnan(seconds) or math.isinf(seconds):
        return "?"
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def eta_seconds(p: Progress, stop: Mapping[str, Any], iterations_done: int) -> float:
    """Seconds left until the nearest stop condition (NaN if there is none to estimate)."""
    left = []
    if stop.get("env_steps") and p.steps_per_s > 0:
        left.append(max(0.0, (stop["env_steps"] - p.env_steps) / p.steps_per_s))
    if stop.get("iterations") and iterations_done > 0:
        per_iteration = p.time_s / iterations_done
        left.append(max(0.0, (stop["iterations"] - iterations_done) * per_iteration))
    if stop.get("minutes"):
        left.append(max(0.0, stop["minutes"] * 60 - p.time_s))
    return min(left) if left else math.nan


def format_progress(p: Progress, eta_s: float, family: str = "nethack") -> str:
    """One line: ``iter 3 | 12,288 steps | 415 steps/s | ... | ETA 0:20:00``.

    The episode figures fit the task's ``family``: MiniHack tasks are judged by
    how often they reach the goal and how fast, NetHack by score and depth.
    """

    def num(x: float, fmt: str) -> str:
        return "-" if math.isnan(x) else format(x, fmt)

    if not math.isnan(p.bc_loss):  # learning from demonstrations: no episodes here
        unmapped = p.unmapped_keys
        skipped = f" | {unmapped:,.0f} keys not in the actions" if unmapped > 0 else ""
        return (
            f"iter {p.iteration:>4} | {p.env_steps:>11,} frames"
            f" | {num(p.steps_per_s, ',.0f'):>6} frames/s | loss {num(p.bc_loss, '.3f'):>7}"
            f" | action accuracy {num(p.action_accuracy, '.3f'):>5}{skipped}"
            f" | elapsed {_clock(p.time_s)} | ETA {_clock(eta_s)}"
        )
    if family == "minihack":
        success = "-" if math.isnan(p.success_rate) else f"{p.success_rate:.1%}"
        figures = f"success {success:>6} | length {num(p.episode_len_mean, '.1f'):>6}"
    else:
        figures = (
            f"score {num(p.score_mean, '.1f'):>7} | max depth {num(p.max_depth_mean, '.2f'):>5}"
        )
    return (
        f"iter {p.iteration:>4} | {p.env_steps:>11,} env steps"
        f" | {num(p.steps_per_s, ',.0f'):>6} steps/s | {p.trained_steps:>11,} trained"
        f" | {p.episodes:>6,} episodes | mean of last {episodes_in_mean(p):>3}:"
        f" return {num(p.return_mean, '.2f'):>8} | {figures}"
        f" | elapsed {_clock(p.time_s)} | ETA {_clock(eta_s)}"
    )


def flatten_numbers(result: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, float]]:
    """``("env_runners/nethack/score_mean", 12.0)`` for every number in a result
    (RLlib's echo of the config is left out)."""
    for key, value in result.items():
        name = f"{prefix}{key}"
        if name == "config":
            continue
        if isinstance(value, Mapping):
            yield from flatten_numbers(value, name + "/")
        elif isinstance(value, bool | np.bool_):
            continue
        elif isinstance(value, numbers.Real) and math.isfinite(value):
            yield name, float(value)  # numpy scalars too (RLlib reduces float32 metrics)


class TensorBoardLog:
    """TensorBoard event files with every number of every result, by env step."""

    def __init__(self, directory: Path) -> None:
        from tensorboardX import SummaryWriter

        self.directory = directory
        self._writer = SummaryWriter(str(directory))

    def write(self, result: Mapping[str, Any], step: int) -> None:
        for tag, value in flatten_numbers(result):
            self._writer.add_scalar(tag, value, global_step=step)
        self._writer.flush()

    def close(self) -> None:
        self._writer.close()


class ProgressCsv:
    """``progress.csv``: one row of :class:`Progress` per iteration (appends on resume).

    A resumed run keeps the columns its file was started with. Resumed into its
    own directory from iteration ``resumed_at``, it first drops the rows after that
    iteration: they came from a process that stopped without saving them (killed,
    or its last save failed), and the resumed run does those iterations again.
    """

    def __init__(self, path: Path, resumed_at: int | None = None) -> None:
        self.path = path
        self.columns: tuple[str, ...] = PROGRESS_COLUMNS
        if path.exists():
            with path.open(newline="") as f:
                self.columns = tuple(next(csv.reader(f), PROGRESS_COLUMNS))
            if resumed_at is not None:
                self._drop_after(resumed_at)
        else:
            with path.open("w", newline="") as f:
                csv.writer(f).writerow(PROGRESS_COLUMNS)

    def _drop_after(self, iteration: int) -> None:
        with self.path.open(newline="") as f:
            rows = list(csv.reader(f))[1:]
        column = self.columns.index("iteration") if "iteration" in self.columns else None
        if column is None:
            return
        kept = [r for r in rows if r and _number(r[column]) <= iteration]
        if len(kept) == len(rows):
            return
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        writer.writerow(self.columns)
        writer.writerows(kept)
        write_text(self.path, buffer.getvalue())

    def append(self, p: Progress) -> None:
        row = asdict(p)
        with self.path.open("a", newline="") as f:
            csv.writer(f).writerow([row.get(c, "") for c in self.columns])


def read_progress(path: Path) -> list[dict[str, float]]:
    """Rows of a ``progress.csv`` as numbers."""
    with path.open(newline="") as f:
        return [{k: _number(v) for k, v in row.items()} for row in csv.DictReader(f)]


def wall_time(rows: list[dict[str, float]]) -> float:
    """Seconds of training behind the last row of a ``progress.csv``, resumes included.

    ``time_s`` counts from the start of the process that wrote the row, and a run
    resumed into its own directory appends to the same file: each drop of ``time_s``
    starts a new segment, and the run's time is the sum of every segment's last value.
    """
    total = 0.0
    previous = 0.0
    for row in rows:
        now = row["time_s"]
        if now < previous:  # a resumed process's first row
            total += previous
        previous = now
    return total + previous if rows else math.nan


def full_window_rows(rows: list[dict[str, float]]) -> list[dict[str, float]]:
    """The rows whose episode means cover a whole window of episodes.

    Before that, a mean is over the first few episodes that happened to end
    (often the short ones), which no later point is comparable with.
    """
    full = []
    for row in rows:
        window = row.get("window", math.nan)
        window = DEFAULT_WINDOW if math.isnan(window) else window  # a csv from before the column
        if row["episodes"] >= window and not math.isnan(row["return_mean"]):
            full.append(row)
    return full


def _band(ax: Any, steps: list[float], mean: list[float], error: list[float], color: str) -> None:
    low = [m - e for m, e in zip(mean, error, strict=True)]
    high = [m + e for m, e in zip(mean, error, strict=True)]
    ax.fill_between(steps, low, high, color=color, alpha=0.2, linewidth=0)


def plot_learning_curve(
    csv_path: Path, png_path: Path, title: str, family: str = "nethack"
) -> Path | None:
    """The learning curve of a run as a PNG, against env steps.

    Each point is a mean over the last ``window`` episodes (drawn only once that
    many have ended), its band one standard error of that mean; MiniHack adds
    the success rate, NetHack the mean in-game score (when there is one).

    Raises:
        FileWriteError: the PNG could not be written; an older one is left as it was.
    """
    rows = read_progress(csv_path)
    if not rows:
        return None
    fig, ax = _figure()
    if any(not math.isnan(r.get("bc_loss", math.nan)) for r in rows):
        _plot_demonstration_curve(ax, [r["env_steps"] for r in rows], rows)
    else:
        _plot_episode_curve(ax, full_window_rows(rows), family, int(rows[-1].get("window", 0)))
    return _save(fig, ax, title, png_path)


def plot_comparison(runs: Mapping[str, Sequence[Path]], png_path: Path, title: str) -> Path | None:
    """Several settings' learning curves on one axis, against env steps.

    ``runs`` maps a setting's label to the ``progress.csv`` of each of its runs
    (one per seed): one colour per setting, one line per run, each point a mean
    over a full window of episodes with its standard-error band, as
    :func:`plot_learning_curve` draws a single run. None when no run has a row.

    Raises:
        FileWriteError: the PNG could not be written; an older one is left as it was.
    """
    curves = {
        label: [read_progress(p) for p in paths if p.is_file()] for label, paths in runs.items()
    }
    if not any(rows for runs_of in curves.values() for rows in runs_of):
        return None
    fig, ax = _figure()
    ax.set_xlabel("environment steps")
    ax.set_ylabel("mean return, last episodes (full window)")
    ax.grid(alpha=0.3)
    colours = [f"C{i}" for i in range(10)]
    labelled = False
    for i, (label, runs_of) in enumerate(curves.items()):
        colour = colours[i % len(colours)]
        named = False  # one legend entry per setting, on its first run with a curve
        for rows in runs_of:
            full = full_window_rows(rows)
            if not full:
                continue
            window = int(full[-1].get("window", DEFAULT_WINDOW) or DEFAULT_WINDOW)
            steps = [r["env_steps"] for r in full]
            returns = [r["return_mean"] for r in full]
            errors = [r.get("return_std", math.nan) / math.sqrt(window) for r in full]
            ax.plot(steps, returns, color=colour, marker="o", ms=2, label=None if named else label)
            _band(ax, steps, returns, [0.0 if math.isnan(e) else e for e in errors], colour)
            named = labelled = True
    if labelled:
        ax.legend(loc="upper left")
    return _save(fig, ax, title, png_path)


def _figure() -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(8, 4.5), dpi=100)


def _save(fig: Any, ax: Any, title: str, png_path: Path) -> Path:
    import matplotlib.pyplot as plt

    ax.set_title(title)
    fig.tight_layout()
    try:
        return write_with(png_path, fig.savefig)
    finally:
        plt.close(fig)


def _plot_episode_curve(ax: Any, rows: list[dict[str, float]], family: str, window: int) -> None:
    """Mean return over a full window of episodes with its standard-error band,
    and the family's second figure on a twin axis."""
    window = window or DEFAULT_WINDOW
    ax.set_xlabel("environment steps")
    ax.set_ylabel(f"mean return, last {window} episodes")
    ax.grid(alpha=0.3)
    if not rows:
        ax.text(
            0.5,
            0.5,
            f"fewer than {window} episodes ended: no mean over a full window yet",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
        return
    steps = [r["env_steps"] for r in rows]
    returns = [r["return_mean"] for r in rows]
    errors = [r.get("return_std", math.nan) / math.sqrt(window) for r in rows]
    ax.plot(steps, returns, marker="o", ms=3, label="mean return ± 1 s.e.")
    _band(ax, steps, returns, [0.0 if math.isnan(e) else e for e in errors], "tab:blue")
    twin = None
    if family == "minihack":
        rates = [r.get("success_rate", math.nan) for r in rows]
        if any(not math.isnan(x) for x in rates):
            twin = ax.twinx()
            twin.plot(
                steps, rates, color="tab:green", marker=".", ms=3, label="success rate ± 1 s.e."
            )
            binomial = [0.0 if math.isnan(p) else math.sqrt(p * (1 - p) / window) for p in rates]
            _band(twin, steps, rates, binomial, "tab:green")
            twin.set_ylim(0.0, 1.0)
            twin.set_ylabel(f"success rate, last {window} episodes")
    else:
        scores = [r["score_mean"] for r in rows]
        if any(not math.isnan(s) and s != 0 for s in scores):
            twin = ax.twinx()
            twin.plot(steps, scores, color="tab:orange", marker=".", ms=3, label="mean score")
            twin.set_ylabel("mean in-game score")
    if twin is not None:
        twin.legend(loc="lower right")
    ax.legend(loc="upper left")


def _plot_demonstration_curve(ax: Any, frames: list[float], rows: list[dict[str, float]]) -> None:
    """Learning from demonstrations: action accuracy, and the loss on a second axis."""
    ax.plot(frames, [r["action_accuracy"] for r in rows], marker="o", ms=3, label="action accuracy")
    ax.set_xlabel("demonstration frames trained on")
    ax.set_ylabel("action accuracy")
    ax.grid(alpha=0.3)
    twin = ax.twinx()
    twin.plot(
        frames, [r["bc_loss"] for r in rows], color="tab:orange", marker=".", ms=3, label="loss"
    )
    twin.set_ylabel("cross-entropy loss")
    twin.legend(loc="upper right")
    ax.legend(loc="upper left")
