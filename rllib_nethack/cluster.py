"""Starting or joining Ray, safely by default.

Without an address, an embedded Ray instance starts on this machine with every
service (GCS, object store, dashboard) bound to loopback; joining a cluster
(``cluster.address=auto`` inside ``ray job submit`` or a KubeRay RayJob) uses
that cluster's own settings. Either way every task is registered with RLlib.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from rllib_nethack.envs import register_envs


def init_ray(cluster: Mapping[str, Any]) -> bool:
    """Start or join Ray as ``cluster`` says, unless Ray is already running here.

    Args:
        cluster: The ``cluster`` config (``address``, ``node_ip_address``,
            ``num_cpus``, ``num_gpus``, ``include_dashboard``, ``dashboard_host``).

    Returns:
        Whether this call started (or joined) Ray, i.e. whether the caller should
        shut it down when done.
    """
    import ray

    started = False
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"logging_level": logging.WARNING, "log_to_driver": True}
        address = cluster.get("address")
        if address:
            ray.init(address=address, **kwargs)
        else:
            node_ip = cluster.get("node_ip_address") or "127.0.0.1"
            ray.init(
                num_cpus=cluster.get("num_cpus"),
                num_gpus=cluster.get("num_gpus"),
                include_dashboard=bool(cluster.get("include_dashboard", False)),
                dashboard_host=cluster.get("dashboard_host") or "127.0.0.1",
                _node_ip_address=node_ip,
                **kwargs,
            )
        started = True
    register_envs()
    return started
