"""Behavioural cloning's two speeds: the dataset reader's frames/s and the learner's.

How to run::

    python benchmarks/bc_throughput.py                        # records 16 explorer games first
    python benchmarks/bc_throughput.py --dataset runs/demos/explorer --batches 50
    python benchmarks/bc_throughput.py --rnn-size 0 --batch-size 32 --seq-len 32
    python benchmarks/bc_throughput.py --dataset runs/demos/explorer --reader actor

Prints one JSON line: the reader's frames/s (``nle.dataset`` decoding plus our
batch building, no model), the learner's frames/s (forward, loss, backward and
optimizer step on batches read beforehand, one torch thread as the driver's
learner has with ``cluster.torch_threads=1``), and their ratio: the reader
should be at least twice as fast, or it is the brake. No Ray is started unless
``--reader actor`` reads the games in a Ray actor (``dataset.reader=actor``, as
``cluster=remote`` runs do) on an embedded local instance: then the reader's
figure includes the trip through Ray's object store.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch
from ray.rllib.core import DEFAULT_MODULE_ID
from ray.rllib.policy.sample_batch import MultiAgentBatch, SampleBatch

from rllib_nethack.agents.record import run_record
from rllib_nethack.agents.settings import BenchConfig
from rllib_nethack.algorithms.bc.offline_data import NLDOfflineData
from rllib_nethack.config import build_algorithm_config, compose_config
from rllib_nethack.runs.ray_start import init_ray


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", help="a recording's out= or NLD-AA's nle_data")
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seq-len", type=int, default=32)
    parser.add_argument("--rnn-size", type=int, default=512)
    parser.add_argument("--threads", type=int, default=2, help="ttyrec decoding threads")
    parser.add_argument("--reader", choices=("local", "actor"), default="local")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.reader == "actor":
        init_ray(compose_config(["+task=challenge"]).cluster)
    with tempfile.TemporaryDirectory() as tmp:
        dataset = args.dataset
        if dataset is None:
            dataset = str(Path(tmp) / "explorer")
            run_record(BenchConfig("explorer", (0, 15), 2000, 2, dataset))
        cfg = compose_config(
            [
                "+task=challenge",
                "algo=bc",
                "model=chaotic_dwarf_tty",
                f"model.rnn_size={args.rnn_size}",
                f"dataset.path={dataset}",
                f"dataset.db={Path(tmp) / 'nld.db'}",
                f"dataset.batch_size={args.batch_size}",
                f"dataset.seq_len={args.seq_len}",
                f"dataset.threads={args.threads}",
                f"dataset.reader={args.reader}",
            ]
        )
        config = build_algorithm_config(cfg)
        data = NLDOfflineData(config)
        batches = [data.sample()]  # a reader actor's first batch waits for it to start
        start = time.perf_counter()
        batches += [data.sample() for _ in range(args.batches - 1)]
        read_s = time.perf_counter() - start
        frames = sum(b.env_steps() for b in batches[1:])
        learner = config.build_learner(env=None, spaces=None)
        learner.update(batch=batches[0])  # first call builds what RLlib builds lazily
        start = time.perf_counter()
        for batch in batches[1:]:
            copy = MultiAgentBatch(
                {DEFAULT_MODULE_ID: SampleBatch(dict(batch.policy_batches[DEFAULT_MODULE_ID]))},
                batch.env_steps(),
            )
            learner.update(batch=copy)
        learn_s = time.perf_counter() - start
        learned = sum(b.env_steps() for b in batches[1:])
    reader, learner_rate = frames / read_s, learned / learn_s
    print(
        json.dumps(
            {
                "batch": f"{args.batch_size}x{args.seq_len}",
                "reader": args.reader,
                "rnn_size": args.rnn_size,
                "reader_frames_per_s": round(reader),
                "learner_frames_per_s": round(learner_rate),
                "reader_over_learner": round(reader / learner_rate, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
