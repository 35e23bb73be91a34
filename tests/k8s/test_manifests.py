"""k8s/: every overlay renders, validates strictly against KubeRay's CRDs, and keeps
every security rule; the manifests' Ray version is the image's and our pin.

Offline and quick: overlays are rendered by ``kustomize.py`` (checked against
``kubectl kustomize`` where kubectl is installed); the CRD schemas come from
``../shared/k8s-schemas`` (or ``$RLLIB_NETHACK_K8S_SCHEMAS``), made strict by
forbidding keys that a schema does not list.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kustomize import render

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
OVERLAYS = sorted(p.name for p in (K8S / "overlays").iterdir() if p.is_dir())
# `../shared/k8s-schemas` beside the checkout (or a worktree one level deeper).
_CANDIDATES = [ROOT.parent / "shared/k8s-schemas", ROOT.parent.parent / "shared/k8s-schemas"]
SCHEMAS = Path(
    os.environ.get("RLLIB_NETHACK_K8S_SCHEMAS")
    or next((p for p in _CANDIDATES if p.is_dir()), _CANDIDATES[0])
)
CRDS = {"RayCluster": "ray.io_rayclusters.yaml", "RayJob": "ray.io_rayjobs.yaml"}
PART_OF = {"app.kubernetes.io/part-of": "rllib-nethack"}


def test_overlays_exist() -> None:
    assert OVERLAYS == ["cpu", "gpu"]


@pytest.fixture(scope="module", params=OVERLAYS)
def manifests(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return render(K8S / "overlays" / request.param)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not installed")
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_python_rendering_equals_kubectl_kustomize(overlay: str) -> None:
    out = subprocess.run(
        ["kubectl", "kustomize", str(K8S / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    key = lambda d: (d["kind"], d["metadata"]["name"])  # noqa: E731
    assert sorted(yaml.safe_load_all(out), key=key) == sorted(
        render(K8S / "overlays" / overlay), key=key
    )


# --- strict schema validation -------------------------------------------------


def strict(schema: Any) -> Any:
    """The schema with ``additionalProperties: false`` wherever properties are listed
    and unknown fields are not explicitly preserved (see the schemas' README)."""
    if isinstance(schema, list):
        return [strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: strict(v) for k, v in schema.items()}
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


_VALIDATORS: dict[str, Any] = {}


def validator(kind: str) -> Any:
    import jsonschema

    if kind not in _VALIDATORS:
        path = SCHEMAS / CRDS[kind]
        if not path.is_file():
            pytest.skip(f"no CRD schemas at {SCHEMAS}")
        # libyaml when present: the CRDs are 40k lines (pure-Python YAML takes ~20x longer).
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        crd = yaml.load(path.read_text(), Loader=loader)
        (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1"]
        _VALIDATORS[kind] = jsonschema.Draft7Validator(strict(version["schema"]["openAPIV3Schema"]))
    return _VALIDATORS[kind]


def crd_errors(doc: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator(doc["kind"]).iter_errors(doc)
    ]


def test_every_ray_resource_validates_strictly(manifests: list[dict[str, Any]]) -> None:
    ray = [d for d in manifests if d["kind"] in CRDS]
    assert {d["kind"] for d in ray} == set(CRDS)
    for doc in ray:
        assert doc["apiVersion"] == "ray.io/v1"
        assert crd_errors(doc) == [], doc["kind"]


@pytest.mark.parametrize(
    ("path", "misspelt"),
    [
        (("spec",), "shutdownAfterJobFinish"),
        (("spec", "rayClusterSpec", "headGroupSpec"), "rayStartParameters"),
        (
            ("spec", "rayClusterSpec", "headGroupSpec", "template", "spec", "containers", 0),
            "resource",
        ),
        (("spec", "rayClusterSpec", "authOptions"), "mod"),
    ],
)
def test_a_misspelt_key_fails_validation(path: tuple[Any, ...], misspelt: str) -> None:
    (job,) = [d for d in render(K8S / "overlays" / "cpu") if d["kind"] == "RayJob"]
    bad = copy.deepcopy(job)
    node: Any = bad
    for part in path:
        node = node[part]
    node[misspelt] = "x"
    assert any(misspelt in e for e in crd_errors(bad))


# --- security rules -------------------------------------------------------------


def pod_templates(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, pod template) of every pod a Ray resource makes."""
    spec = doc["spec"]
    if doc["kind"] == "RayJob":
        yield "submitter", spec["submitterPodTemplate"]
        spec = spec["rayClusterSpec"]
    yield "head", spec["headGroupSpec"]["template"]
    for group in spec.get("workerGroupSpecs", []):
        yield group["groupName"], group["template"]


def cluster_specs(manifests: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for doc in manifests:
        if doc["kind"] == "RayCluster":
            yield doc["spec"]
        elif doc["kind"] == "RayJob":
            yield doc["spec"]["rayClusterSpec"]


def _full_resources(resources: dict[str, Any]) -> bool:
    wanted = [(k, r) for k in ("requests", "limits") for r in ("cpu", "memory")]
    return all(resources.get(k, {}).get(r) for k, r in wanted)


def test_pods_follow_the_restricted_pod_security_standard(manifests: list[dict[str, Any]]) -> None:
    checked = 0
    for doc in manifests:
        if doc["kind"] not in CRDS:
            continue
        for where, template in pod_templates(doc):
            assert template["metadata"]["labels"].items() >= PART_OF.items(), where
            pod = template["spec"]
            psc = pod["securityContext"]
            assert psc["runAsNonRoot"] is True and psc.get("runAsUser", 1) != 0, where
            assert psc["seccompProfile"]["type"] == "RuntimeDefault", where
            for flag in ("hostNetwork", "hostPID", "hostIPC"):
                assert not pod.get(flag), where
            assert not any("hostPath" in v for v in pod.get("volumes", [])), where
            for c in pod["containers"] + pod.get("initContainers", []):
                sc = c["securityContext"]
                assert sc["allowPrivilegeEscalation"] is False, (where, c["name"])
                assert sc["capabilities"]["drop"] == ["ALL"], (where, c["name"])
                assert not sc["capabilities"].get("add"), (where, c["name"])
                assert not sc.get("privileged"), (where, c["name"])
                assert sc.get("runAsNonRoot", psc["runAsNonRoot"]) is True
                assert _full_resources(c["resources"]), (where, c["name"])
                checked += 1
    assert checked >= 5


def test_autoscaler_sidecar_is_restricted_and_sized(manifests: list[dict[str, Any]]) -> None:
    for spec in cluster_specs(manifests):
        assert spec["enableInTreeAutoscaling"] is True
        options = spec["autoscalerOptions"]
        assert options["securityContext"]["allowPrivilegeEscalation"] is False
        assert options["securityContext"]["capabilities"]["drop"] == ["ALL"]
        assert _full_resources(options["resources"])


def test_dashboard_stays_inside_the_cluster_and_token_auth_is_on(
    manifests: list[dict[str, Any]],
) -> None:
    assert not [d for d in manifests if d["kind"] == "Ingress"]
    for doc in manifests:
        if doc["kind"] == "Service":
            assert doc["spec"].get("type", "ClusterIP") == "ClusterIP"
    for spec in cluster_specs(manifests):
        head = spec["headGroupSpec"]
        assert head["serviceType"] == "ClusterIP"
        assert not head.get("enableIngress")
        assert spec["authOptions"]["mode"] == "token"
        assert spec["authOptions"]["secretName"]
        for _, template in pod_templates({"kind": "RayCluster", "spec": spec}):
            for c in template["spec"]["containers"]:
                env = {e["name"]: e.get("value") for e in c.get("env", [])}
                assert env.get("RAY_AUTH_MODE", "token") == "token"  # never switched off


def test_network_policy_admits_only_the_clusters_own_pods(manifests: list[dict[str, Any]]) -> None:
    (policy,) = [d for d in manifests if d["kind"] == "NetworkPolicy"]
    spec = policy["spec"]
    assert spec["podSelector"]["matchLabels"] == PART_OF
    assert "Ingress" in spec["policyTypes"]
    for rule in spec["ingress"]:
        assert rule.get("from"), "a rule without `from` admits everyone"
        for peer in rule["from"]:
            assert "ipBlock" not in peer
            if peer["podSelector"]["matchLabels"] == PART_OF:
                assert "namespaceSelector" not in peer  # same namespace only
            else:  # the KubeRay operator, on the dashboard port only
                assert peer["podSelector"]["matchLabels"] == {
                    "app.kubernetes.io/name": "kuberay-operator"
                }
                assert [p["port"] for p in rule["ports"]] == [8265]


def test_runs_volume_is_mounted_where_the_driver_runs(manifests: list[dict[str, Any]]) -> None:
    (cm,) = [d for d in manifests if d["kind"] == "ConfigMap"]
    root = re.search(r"experiment\.root_dir=(\S+)", cm["data"]["RNH_OVERRIDES"])
    assert root is not None
    (pvc,) = [d for d in manifests if d["kind"] == "PersistentVolumeClaim"]
    for spec in cluster_specs(manifests):
        pod = spec["headGroupSpec"]["template"]["spec"]
        claims = {
            v["name"]: v["persistentVolumeClaim"]["claimName"]
            for v in pod["volumes"]
            if "persistentVolumeClaim" in v
        }
        mounts = {m["mountPath"]: m["name"] for m in pod["containers"][0]["volumeMounts"]}
        assert claims[mounts[root.group(1)]] == pvc["metadata"]["name"]


def test_workers_scale_from_zero_and_gpu_overlay_places_the_driver_on_the_gpu() -> None:
    for overlay in OVERLAYS:
        for spec in cluster_specs(render(K8S / "overlays" / overlay)):
            assert all(g["minReplicas"] == 0 for g in spec["workerGroupSpecs"])
            assert spec["headGroupSpec"]["rayStartParams"]["num-cpus"] == "0"
    gpu = render(K8S / "overlays" / "gpu")
    (job,) = [d for d in gpu if d["kind"] == "RayJob"]
    assert job["spec"]["entrypointNumGpus"] >= 1
    groups = job["spec"]["rayClusterSpec"]["workerGroupSpecs"]
    assert any(
        g["template"]["spec"]["containers"][0]["resources"]["limits"].get("nvidia.com/gpu")
        and g["maxReplicas"] >= 1
        for g in groups
    )
    (cm,) = [d for d in gpu if d["kind"] == "ConfigMap"]
    assert "num_gpus_per_learner=1" in cm["data"]["RNH_OVERRIDES"]


def test_rayjob_trains_with_our_entrypoint_and_cleans_up(manifests: list[dict[str, Any]]) -> None:
    (job,) = [d for d in manifests if d["kind"] == "RayJob"]
    assert job["spec"]["entrypoint"].startswith("python -m rllib_nethack.run +task=$RNH_TASK")
    assert "cluster=remote" in job["spec"]["entrypoint"]
    assert job["spec"]["shutdownAfterJobFinishes"] is True
    assert job["spec"]["ttlSecondsAfterFinished"] > 0
    (cm,) = [d for d in manifests if d["kind"] == "ConfigMap"]
    assert cm["data"]["RNH_TASK"] == "challenge"


def test_ray_version_matches_image_and_pin(manifests: list[dict[str, Any]]) -> None:
    import tomllib

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    (pin,) = [d.split("==")[1] for d in deps["dependencies"] if d.startswith("ray==")]
    assert deps["optional-dependencies"]["cluster"] == [f"ray[default]=={pin}"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert '"/src[cluster]"' in dockerfile  # the image installs our pin, dashboard included
    assert re.search(r"^FROM python:3\.11", dockerfile, re.M)
    assert re.search(r"^USER 1000:1000", dockerfile, re.M)
    for spec in cluster_specs(manifests):
        assert spec["rayVersion"] == pin
