"""Starting or joining Ray, safely by default.

Without an address, an embedded Ray instance starts on this machine with every
service (GCS, raylet, workers, dashboard) listening on loopback only, and it is
always a new instance: Ray's ``address="local"``, so neither ``RAY_ADDRESS`` nor
a (possibly stale) ``/tmp/ray/ray_current_cluster`` file makes a local run join
some other cluster. Joining a cluster (``cluster.address=auto`` inside
``ray job submit`` or a KubeRay RayJob) uses that cluster's own settings.
Registering tasks is not this module's job: the config translation does it.

Why an environment variable: Ray turns a ``node_ip_address`` of 127.0.0.1 into
the machine's routable address and its gRPC servers then listen on every
interface. Ray's single-machine mode (``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0``,
the default on macOS and Windows) keeps the node on 127.0.0.1 and every server
bound to it; Ray's processes read it from their environment at start.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Mapping
from typing import Any

LOOPBACK = ("127.0.0.1", "localhost", "::1")
SINGLE_MACHINE_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


@contextlib.contextmanager
def _single_machine_mode() -> Iterator[None]:
    """Keep the Ray instance started inside on loopback (see the module docstring).

    Undone afterwards: Ray's processes have read it by then, and a later
    ``ray.init(address=...)`` in this process must see a cluster as usual.
    """
    from ray._private import ray_constants

    saved_env = os.environ.get(SINGLE_MACHINE_ENV)
    saved_flag = ray_constants.ENABLE_RAY_CLUSTER
    os.environ[SINGLE_MACHINE_ENV] = "0"  # for the processes Ray starts
    ray_constants.ENABLE_RAY_CLUSTER = False  # for this one, which imported Ray already
    try:
        yield
    finally:
        ray_constants.ENABLE_RAY_CLUSTER = saved_flag
        if saved_env is None:
            os.environ.pop(SINGLE_MACHINE_ENV, None)
        else:
            os.environ[SINGLE_MACHINE_ENV] = saved_env


def init_ray(cluster: Mapping[str, Any]) -> bool:
    """Start or join Ray as ``cluster`` says, unless Ray is already running here.

    Args:
        cluster: The ``cluster`` config (``address``, ``node_ip_address``,
            ``num_cpus``, ``num_gpus``, ``include_dashboard``, ``dashboard_host``,
            ``torch_threads`` of this process).

    Returns:
        Whether this call started (or joined) Ray, i.e. whether the caller should
        shut it down when done.
    """
    import ray

    threads = cluster.get("torch_threads")
    if threads:
        import torch

        torch.set_num_threads(int(threads))
    started = False
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"logging_level": logging.WARNING, "log_to_driver": True}
        address = cluster.get("address")
        if address:
            ray.init(address=address, **kwargs)
        else:
            node_ip = cluster.get("node_ip_address") or "127.0.0.1"
            mode = _single_machine_mode() if node_ip in LOOPBACK else contextlib.nullcontext()
            with mode:
                ray.init(
                    address="local",
                    num_cpus=cluster.get("num_cpus"),
                    num_gpus=cluster.get("num_gpus"),
                    include_dashboard=bool(cluster.get("include_dashboard", False)),
                    dashboard_host=cluster.get("dashboard_host") or "127.0.0.1",
                    _node_ip_address=node_ip,
                    **kwargs,
                )
        started = True
    return started
