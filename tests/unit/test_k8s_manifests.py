"""The Kubernetes manifests: current with their generator, complete, and hardened."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import yaml

from backbone.stack.config import DEFAULT_SERVICE_PORTS, SERVICES

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
ENTRY_POINTS = {("backbone.serve",), ("workflows.worker",)}


def generator() -> Any:
    spec = importlib.util.spec_from_file_location("k8s_generate", K8S / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def documents() -> list[dict[str, Any]]:
    docs = []
    for path in sorted(K8S.rglob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def test_committed_manifests_are_what_the_generator_writes() -> None:
    for path, text in generator().expected_files().items():
        assert path.exists() and path.read_text() == text, f"{path} is stale: run deploy/k8s/generate.py"


def test_every_document_is_well_formed_and_kustomize_resources_exist() -> None:
    for doc in documents():
        assert doc.get("apiVersion") and doc.get("kind")
        if doc["kind"] == "Kustomization":
            continue
        assert doc["metadata"]["name"]
    for kustomization in K8S.rglob("kustomization.yaml"):
        for resource in yaml.safe_load(kustomization.read_text())["resources"]:
            assert (kustomization.parent / resource).exists(), f"{kustomization}: {resource} missing"


def test_each_service_has_an_api_with_probes_a_service_and_a_relay() -> None:
    docs = documents()
    by_name = {(d["kind"], d["metadata"]["name"]): d for d in docs if d["kind"] != "Kustomization"}
    for service in SERVICES:
        api = by_name[("Deployment", f"{service}-api")]
        container = api["spec"]["template"]["spec"]["containers"][0]
        port = DEFAULT_SERVICE_PORTS[service]
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": port}
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": port}
        assert api["spec"]["template"]["spec"]["initContainers"][0]["command"][-1] == "migrate"
        assert ("Service", service) in by_name and ("PodDisruptionBudget", f"{service}-api") in by_name
        assert by_name[("Deployment", f"{service}-relay")]["spec"]["replicas"] >= 2
    assert ("Deployment", "training-consumer") in by_name
    assert ("Deployment", "temporal-worker") in by_name and ("Job", "create-topics") in by_name


def test_every_container_is_hardened_bounded_and_runs_a_real_entry_point() -> None:
    for doc in documents():
        template = doc.get("spec", {}).get("template", {}).get("spec")
        if doc["kind"] not in ("Deployment", "Job") or template is None:
            continue
        assert template["securityContext"]["runAsNonRoot"] is True
        for container in [*template["containers"], *template.get("initContainers", [])]:
            assert container["resources"]["requests"] and container["resources"]["limits"]
            security = container["securityContext"]
            assert security["runAsNonRoot"] and not security["allowPrivilegeEscalation"]
            assert security["readOnlyRootFilesystem"] and security["capabilities"]["drop"] == ["ALL"]
            assert tuple(container["command"][2:3]) in ENTRY_POINTS, container["command"]


def test_no_secret_values_are_committed() -> None:
    for doc in documents():
        assert doc["kind"] != "Secret", "secrets are created in the cluster, never committed"
    settings = next(d for d in documents() if d["kind"] == "ConfigMap")
    assert not any("PASSWORD" in key or "SECRET" in key for key in settings["data"])
