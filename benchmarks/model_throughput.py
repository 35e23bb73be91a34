"""Model throughput: forward and forward+backward samples/s per model, parameter counts.

How to run:
    python benchmarks/model_throughput.py                    # CPU, 1024 samples as 32 x 32
    python benchmarks/model_throughput.py --device cuda      # on a GPU machine
    python benchmarks/model_throughput.py --sequences 1024 --seq-len 32   # 32,768 samples

Each model reads real observations of its task family (challenge / Room-5x5),
with its default settings (LSTM included). A batch is ``sequences`` sequences of
``seq_len`` steps, as RLlib's learner sees a training batch (the NetHack
default, rollout 32 and batch 1024, is 32 sequences of 32). Prints a table and
one JSON line; the best of ``--repeats`` timings counts.

Results to expect: see the issue notes (CPU figures from a 2-core VM).
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np
import torch
from ray.rllib.core.columns import Columns

from rllib_nethack import make_env
from rllib_nethack.models import ARCHITECTURES, NetHackRLModule
from rllib_nethack.testing.sampling import random_observations, stack_sequences

#: Model -> the task it is measured on (the env provides what the model reads).
TASKS = {
    "chaotic_dwarf": "challenge",
    "chaotic_dwarf_tty": "challenge",
    "baseline": "challenge",
    "perceiver": "challenge",
    "minihack": "room5x5",
}


def batch(obs: list[dict[str, np.ndarray]], b: int, t: int, device: str) -> dict[str, torch.Tensor]:
    return {k: torch.from_numpy(v).to(device) for k, v in stack_sequences(obs, b, t).items()}


def timed(fn: Any, repeats: int, device: str) -> float:
    best = float("inf")
    for _ in range(repeats):
        if device == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if device == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return best


def measure(name: str, b: int, t: int, device: str, repeats: int) -> dict[str, Any]:
    """Parameters and samples/s (forward; forward + backward) of one model."""
    arch = ARCHITECTURES[name]
    env = make_env(TASKS[name], observation_keys=list(arch.reads(arch.settings())))
    module = NetHackRLModule(
        observation_space=env.observation_space,
        action_space=env.action_space,
        model_config={"name": name},
    ).to(device)
    obs = batch(random_observations(env, 256), b, t, device)
    env.close()
    state = {
        k: torch.from_numpy(np.stack([v] * b)).to(device)
        for k, v in module.get_initial_state().items()
    }
    data = {Columns.OBS: obs, Columns.STATE_IN: state}

    def forward() -> None:
        with torch.no_grad():
            module.forward_train(data)

    def train_step() -> None:
        out = module.forward_train(data)
        values = module.compute_values(data, out[Columns.EMBEDDINGS])
        (out[Columns.ACTION_DIST_INPUTS].logsumexp(-1).mean() + values.square().mean()).backward()
        module.zero_grad(set_to_none=True)

    forward()  # warm-up
    return {
        "model": name,
        "parameters": sum(p.numel() for p in module.parameters()),
        "forward_samples_per_s": round(b * t / timed(forward, repeats, device)),
        "train_samples_per_s": round(b * t / timed(train_step, repeats, device)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sequences", type=int, default=32)
    parser.add_argument("--seq-len", type=int, default=32)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--models", nargs="+", default=list(TASKS))
    args = parser.parse_args()
    b, t, device = args.sequences, args.seq_len, args.device
    if device == "cuda" and not torch.cuda.is_available():
        parser.exit(
            2,
            "model_throughput: --device cuda, but this torch sees no CUDA GPU "
            f"(torch {torch.__version__}, built for {torch.version.cuda or 'CPU only'})\n",
        )
    rows = [measure(name, b, t, device, args.repeats) for name in args.models]
    threads = torch.get_num_threads()
    print(f"batch: {b} sequences x {t} steps = {b * t} samples on {device}, {threads} threads")
    print(f"{'model':<19}{'parameters':>12}{'forward/s':>12}{'fwd+bwd/s':>12}")
    for r in rows:
        fwd, train = r["forward_samples_per_s"], r["train_samples_per_s"]
        print(f"{r['model']:<19}{r['parameters']:>12,}{fwd:>12,}{train:>12,}")
    print(
        json.dumps(
            {
                "benchmark": "model_throughput",
                "device": device,
                "sequences": b,
                "seq_len": t,
                "results": rows,
            }
        )
    )


if __name__ == "__main__":
    main()
