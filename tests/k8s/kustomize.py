"""The subset of ``kubectl kustomize`` that ``k8s/`` uses, in Python, for CI without kubectl.

Resources (files and kustomization directories), ``configMapGenerator`` literals
(``create``/``replace``/``merge``, no name hash), ``images`` and inline JSON 6902
``patches`` aimed by kind. Anything else in a kustomization is an error, so the
manifests cannot quietly outgrow this renderer; ``test_manifests`` compares it
with ``kubectl kustomize`` wherever kubectl is installed.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

Doc = dict[str, Any]
_KNOWN = {"apiVersion", "kind", "resources", "configMapGenerator", "generatorOptions", "images"}


def render(directory: Path) -> list[Doc]:
    """The manifests a kustomization directory builds."""
    spec = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(spec) - _KNOWN - {"patches"}
    if unknown:
        raise ValueError(f"{directory}: kustomize fields this renderer lacks: {sorted(unknown)}")
    docs: list[Doc] = []
    for entry in spec.get("resources", []):
        path = directory / entry
        if path.is_dir():
            docs.extend(render(path))
        else:
            docs.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    for gen in spec.get("configMapGenerator", []):
        data = dict(line.split("=", 1) for line in gen.get("literals", []))
        behavior = gen.get("behavior", "create")
        existing = [
            d for d in docs if (d["kind"], d["metadata"]["name"]) == ("ConfigMap", gen["name"])
        ]
        if behavior == "create":
            assert not existing, f"ConfigMap {gen['name']} exists"
            meta = {"name": gen["name"]}
            docs.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data})
        else:
            (target,) = existing
            target["data"] = {**target["data"], **data} if behavior == "merge" else data
    for image in spec.get("images", []):
        for doc in docs:
            _set_images(doc, image)
    for patch in spec.get("patches", []):
        ops = yaml.safe_load(patch["patch"])
        for doc in docs:
            if _targets(patch["target"], doc):
                for op in ops:
                    _apply(doc, op)
    return docs


def _targets(target: dict[str, str], doc: Doc) -> bool:
    name = doc["metadata"]["name"]
    return doc["kind"] in target["kind"].split("|") and target.get("name", name) == name


def _set_images(node: Any, image: dict[str, str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "image" and isinstance(value, str) and value.split(":")[0] == image["name"]:
                node[key] = f"{image.get('newName', image['name'])}:{image['newTag']}"
            else:
                _set_images(value, image)
    elif isinstance(node, list):
        for item in node:
            _set_images(item, image)


def _apply(doc: Doc, op: dict[str, Any]) -> None:
    *parents, last = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
    node: Any = doc
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        index = len(node) if last == "-" else int(last)
        if op["op"] == "add":
            node.insert(index, copy.deepcopy(op["value"]))
        elif op["op"] == "replace":
            node[index] = copy.deepcopy(op["value"])
        elif op["op"] == "remove":
            del node[index]
        else:
            raise ValueError(f"unsupported patch op {op['op']}")
    elif op["op"] in ("add", "replace"):
        if op["op"] == "replace" and last not in node:
            raise KeyError(f"replace of missing {op['path']}")
        node[last] = copy.deepcopy(op["value"])
    elif op["op"] == "remove":
        del node[last]
    else:
        raise ValueError(f"unsupported patch op {op['op']}")
