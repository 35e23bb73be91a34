"""Start Ray as a local run does (the composed ``cluster`` config through ``init_ray``)
and print the address of the instance it got (tests/faults/test_ray_isolation.py): the
start-up alone, without a training run, for the pointers that must not be followed."""

import ray

from rllib_nethack.config.compose import compose_config
from rllib_nethack.runs.ray_start import init_ray

cluster = compose_config(["+task=room5x5", "cluster.num_cpus=1"]).cluster
assert init_ray(cluster)
print(ray.get_runtime_context().gcs_address)
ray.shutdown()
