"""End-to-end training throughput: APPO + chaotic_dwarf on `challenge`, learner on CPU.

How to run:
    python benchmarks/train_throughput.py                  # 2 env runners x 16 envs, 5 minutes
    python benchmarks/train_throughput.py --minutes 2 --env-runners 2 --envs 16
    python benchmarks/train_throughput.py +algo.learner_config_dict.pack_sequences=false
    python benchmarks/train_throughput.py "+algo.learner_config_dict={target_network:true}"

Runs the real training loop (`rllib_nethack.training.trainer.train`) on an embedded Ray
instance with Sample Factory's NetHack settings: rollout 32, batch 1024, LSTM
512. Prints the progress lines, then, over the run after the first iteration
(warm-up excluded): sampled and trained env steps/s, and how the CPU time of
that window split between the learner (this driver process), the env runners
and the rest of Ray (read from /proc for the processes this run started, so
other programs on the machine do not count; approximate at the window's ends).
One JSON line last.

Results to expect: compare with Sample Factory on the same machine, same
settings, one run after the other. Measured side by side on the 2-CPU VM kind
this project is developed on (4-5 minutes each), in several sessions:
- first: Sample Factory 489-538 env steps/s; this script 373-427.
- 2026-11-22, one after the other on a quiet machine: Sample Factory (its
  ``sf_examples.nethack.train_nethack --env=nethack_challenge --num_workers=2
  --num_envs_per_worker=16 --worker_num_splits=2 --rollout=32 --batch_size=1024
  --model=ChaoticDwarvenGPT5 --rnn_size=512 --device=cpu``) 865-905 env steps/s
  in its own 10 s/60 s/300 s readings; this script 813 (learner 97% of a core,
  env runners 79%), then 1,104 (learner 95%, env runners 86%) once the screen
  CNN's first layer read cells instead of pixels (models/cell_conv.py).
- a later session, same machine kind, one after the other: Sample Factory 840
  (300 s reading; 785 over its last 60 s), this script 949 (learner 94% of a
  core, env runners 86%), and 953 with APPO's target network off (learner 90%,
  env runners 91%: the learner then waited for the runners).
- the session after, one after the other: Sample Factory 770 (300 s reading;
  785 over its last 60 s); then, with the env runners acting through the LSTM
  cell and without RLlib's per-step train/eval switching (one env runner alone,
  ``runner_throughput.py``: 1,787-2,058 env steps/s, was 1,141-1,606), this
  script 915 with the target network (learner 95% of a core) and 1,164
  without it, now the default.
- 2026-11-23, one after the other: Sample Factory 937 (300 s reading; 905
  over its last 60 s), this script 1,232 with the learner's update at
  0.51 s instead of 0.62 s (fused Adam, ``bag_sum``'s scatter backward);
  then, with the driver no longer polling (APPO's learner queue, and
  ``timeout_s_sampler_manager: 0.01``), Sample Factory 951 (939 over its
  last 60 s) and this script 1,484 (learner 83% of a core, env runners 101%);
  one pair later, Sample Factory 965 (922 over its last 60 s) and this script
  1,529 (trained 1,579; learner 83%, env runners 101%).
Figures from another machine, or a busy one, are not comparable.
"""

from __future__ import annotations

import argparse
import json
import os
import time

from cpu_split import CpuSplit
from training_run import train_in_scratch_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--env-runners", type=int, default=2)
    parser.add_argument("--envs", type=int, default=16)
    parser.add_argument("--task", default="challenge")
    parser.add_argument("overrides", nargs="*", help="extra config overrides (key=value)")
    args = parser.parse_args()
    split = CpuSplit()
    split.start()
    summary, rows = train_in_scratch_dir(
        [
            f"+task={args.task}",
            f"cluster.rllib.num_env_runners={args.env_runners}",
            f"cluster.rllib.num_envs_per_env_runner={args.envs}",
            f"stop.minutes={args.minutes}",
            "experiment.plot=false",
            *args.overrides,
        ]
    )
    split.stop()
    first, last = rows[0], rows[-1]
    seconds = last["time_s"] - first["time_s"]
    rate = (last["env_steps"] - first["env_steps"]) / seconds if seconds > 0 else float("nan")
    trained = (
        (last["trained_steps"] - first["trained_steps"]) / seconds if seconds > 0 else float("nan")
    )
    # The measured window ended when training did, a moment before train() returned.
    cpu, window = split.since(split.samples[-1][0] - seconds)
    cores = os.cpu_count() or 1
    print(
        f"\nend-to-end: {rate:,.0f} env steps/s sampled, {trained:,.0f}/s trained, "
        f"over {seconds:.0f} s"
    )
    print(f"CPU over the last {window:.0f} s ({cores} cores = {cores * window:.0f} CPU s):")
    for role, used in sorted(cpu.items()):
        print(f"  {role:<18}{used:8.0f} CPU s  {100 * used / max(window, 1e-9):6.0f}% of a core")
    print(
        json.dumps(
            {
                "benchmark": "train_throughput",
                "task": args.task,
                "env_runners": args.env_runners,
                "envs_per_runner": args.envs,
                "env_steps_per_s": round(rate, 1),
                "trained_steps_per_s": round(trained, 1),
                "cpu_s": {k: round(v, 1) for k, v in cpu.items()},
                "window_s": round(window, 1),
                "iterations": summary.iterations,
                "env_steps": summary.env_steps,
                "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
        )
    )


if __name__ == "__main__":
    main()
