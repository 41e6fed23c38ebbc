"""The Kubernetes manifests: well formed, current with their generator, complete, hardened, free of secrets.

kubectl is not assumed, so `build()` renders a kustomization with the small subset of Kustomize these
manifests use (resources, namespace, images, configMapGenerator create/merge, JSON6902 patches and
`$patch: delete`). Anything else fails loudly, so a new feature in an overlay means teaching `build()` first.
Where kubectl exists, one test checks that `build()` and `kubectl kustomize` agree.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from backbone.registry import DEFAULT_SERVICE_PORTS, SERVICES, spec_of
from backbone.serve import ROLES
from backbone.settings import load_settings

Doc = dict[str, Any]

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
OVERLAYS = sorted(p.parent.name for p in (K8S / "overlays").glob("*/kustomization.yaml"))
EXAMPLE_SECRETS = K8S / "examples" / "secrets.example.yaml"
PLACEHOLDER = "REPLACE_ME"
RELAY_METRICS_PORT = 9100
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}
EXPECTED_ENVIRONMENT = {"local": "development", "staging": "staging", "production": "production"}


def generator() -> Any:
    spec = importlib.util.spec_from_file_location("k8s_generate", K8S / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load(path: Path) -> list[Doc]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def yaml_files() -> list[Path]:
    return sorted([*K8S.rglob("*.yaml"), *K8S.rglob("*.yml")])


# --- a tiny Kustomize -----------------------------------------------------------------------------------------


def _literals(generator_spec: Doc) -> dict[str, str]:
    unsupported = set(generator_spec) - {"name", "behavior", "literals", "options"}
    assert not unsupported, f"teach build() about {unsupported}"
    return dict(literal.split("=", 1) for literal in generator_spec.get("literals", []))


def _matches(doc: Doc, target: Doc) -> bool:
    if "kind" in target and doc["kind"] != target["kind"]:
        return False
    if "name" in target and doc["metadata"]["name"] != target["name"]:
        return False
    labels = doc["metadata"].get("labels", {})
    for requirement in filter(None, target.get("labelSelector", "").split(",")):
        key, value = requirement.split("=", 1)
        if labels.get(key.strip()) != value.strip():
            return False
    return True


def _pointer(path: str) -> list[str]:
    assert path.startswith("/"), path
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _json_patch(doc: Doc, operations: list[Doc]) -> None:
    for operation in operations:
        *parents, last = _pointer(operation["path"])
        node: Any = doc
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        op = operation["op"]
        if isinstance(node, list):
            index = len(node) if last == "-" else int(last)
            if op == "add":
                node.insert(index, operation["value"])
                continue
            assert index < len(node), f"{operation['path']} does not exist"
        else:
            index = last  # type: ignore[assignment]
            assert op == "add" or last in node, (
                f"{operation['path']} does not exist in {doc['metadata']['name']}"
            )
        if op in ("replace", "add"):
            node[index] = operation["value"]
        elif op == "remove":
            del node[index]
        else:
            raise AssertionError(f"teach build() the JSON patch op {op!r}")


def build(directory: Path) -> list[Doc]:
    """The documents `kustomize build <directory>` would print (without generated-name hashes)."""
    kustomization = load(directory / "kustomization.yaml")[0]
    known = {"apiVersion", "kind", "namespace", "resources", "images", "configMapGenerator", "patches"}
    unsupported = set(kustomization) - known
    assert not unsupported, f"{directory}: teach build() about {unsupported}"
    docs: list[Doc] = []
    for entry in kustomization.get("resources", []):
        path = directory / entry
        docs += build(path) if path.is_dir() else copy.deepcopy(load(path))
    for spec in kustomization.get("configMapGenerator", []):
        data = _literals(spec)
        behavior = spec.get("behavior", "create")
        existing = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == spec["name"]]
        if behavior == "create":
            assert not existing, f"{directory}: ConfigMap {spec['name']} exists already"
            labels = spec.get("options", {}).get("labels", {})
            docs.append(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": spec["name"], "labels": labels},
                    "data": data,
                }
            )
        else:
            assert behavior in ("merge", "replace") and len(existing) == 1, f"{directory}: {spec['name']}"
            existing[0]["data"] = {**existing[0]["data"], **data} if behavior == "merge" else data
    for patch in kustomization.get("patches", []):
        body = yaml.safe_load(patch["patch"])
        if isinstance(body, list):
            targets = [d for d in docs if _matches(d, patch["target"])]
            assert targets, f"{directory}: patch target {patch['target']} matches nothing"
            for doc in targets:
                _json_patch(doc, body)
        elif isinstance(body, dict) and body.get("$patch") == "delete":
            target = {"kind": body["kind"], "name": body["metadata"]["name"]}
            before = len(docs)
            docs = [d for d in docs if not _matches(d, target)]
            assert len(docs) == before - 1, f"{directory}: {target} to delete does not exist"
        else:
            raise AssertionError(f"{directory}: teach build() this kind of patch: {patch}")
    for image in kustomization.get("images", []):
        for _, container in containers(docs):
            if container["image"].split(":")[0] == image["name"]:
                container["image"] = f"{image.get('newName', image['name'])}:{image['newTag']}"
    if "namespace" in kustomization:
        for doc in docs:
            if doc["kind"] not in CLUSTER_SCOPED:
                doc["metadata"]["namespace"] = kustomization["namespace"]
    return docs


def pod_templates(docs: list[Doc]) -> list[tuple[Doc, Doc]]:
    return [
        (
            doc,
            doc["spec"]["jobTemplate"]["spec"]["template"]
            if doc["kind"] == "CronJob"
            else doc["spec"]["template"],
        )
        for doc in docs
        if doc["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")
    ]


def containers(docs: list[Doc]) -> list[tuple[Doc, Doc]]:
    """(workload, container) for every container and initContainer."""
    return [
        (doc, container)
        for doc, template in pod_templates(docs)
        for container in [*template["spec"].get("initContainers", []), *template["spec"]["containers"]]
    ]


def by_kind_and_name(docs: list[Doc]) -> dict[tuple[str, str], Doc]:
    index = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    assert len(index) == len(docs), "two documents share a kind and name"
    return index


def env_value(container: Doc, name: str) -> Any:
    entries = [e for e in container.get("env", []) if e["name"] == name]
    assert len(entries) == 1, f"{container['name']}: {name} set {len(entries)} times"
    return entries[0].get("value", entries[0].get("valueFrom"))


def rendered() -> dict[str, list[Doc]]:
    return {"base": build(K8S / "base"), **{name: build(K8S / "overlays" / name) for name in OVERLAYS}}


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not installed (optional cross-check)")
@pytest.mark.parametrize("overlay", ["base", *OVERLAYS])
def test_build_renders_what_kubectl_kustomize_renders(overlay: str) -> None:
    """Where kubectl exists, the real Kustomize and build() agree (up to the generated ConfigMap's hash)."""
    directory = K8S / "base" if overlay == "base" else K8S / "overlays" / overlay
    output = subprocess.run(
        ["kubectl", "kustomize", str(directory)], capture_output=True, text=True, timeout=60, check=True
    ).stdout

    def normalised(docs: list[Doc]) -> dict[tuple[str, str], Any]:
        text = re.sub(r"backbone-settings-[a-z0-9]{10}\b", "backbone-settings", json.dumps(docs))
        return {(d["kind"], d["metadata"]["name"]): d for d in json.loads(text)}

    real = normalised([d for d in yaml.safe_load_all(output) if d])
    assert real == normalised(build(directory))


# --- files ---------------------------------------------------------------------------------------------------


def test_every_yaml_file_parses_and_each_document_names_its_object() -> None:
    files = yaml_files()
    assert files
    for path in files:
        docs = load(path)
        assert docs, f"{path} is empty"
        for doc in docs:
            assert isinstance(doc, dict) and doc.get("apiVersion") and doc.get("kind"), path
            if doc["kind"] != "Kustomization":
                assert doc.get("metadata", {}).get("name"), f"{path}: a {doc['kind']} without a name"


def test_generated_files_are_current_and_nothing_else_sits_beside_them() -> None:
    expected = generator().expected_files()
    for path, text in expected.items():
        assert path.exists() and path.read_text() == text, f"{path} is stale: run deploy/k8s/generate.py"
    generated_dirs = {K8S / "base", K8S / "examples"}
    strays = [p for p in yaml_files() if p.parent in generated_dirs and p not in expected]
    assert not strays, f"not written by generate.py (delete them or generate them): {strays}"


def test_every_kustomization_resource_exists_and_every_base_file_is_a_resource() -> None:
    kustomizations = sorted(K8S.rglob("kustomization.yaml"))
    assert {p.parent.name for p in kustomizations} >= {"base", "local", "production"}
    for kustomization in kustomizations:
        for resource in load(kustomization)[0].get("resources", []):
            path = (kustomization.parent / resource).resolve()
            assert path.exists(), f"{kustomization}: resource {resource} does not exist"
            if path.is_dir():
                assert (path / "kustomization.yaml").exists(), (
                    f"{kustomization}: {resource} is no kustomization"
                )
    listed = set(load(K8S / "base" / "kustomization.yaml")[0]["resources"])
    on_disk = {p.name for p in (K8S / "base").glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == on_disk


@pytest.mark.parametrize("overlay", ["base", *OVERLAYS])
def test_each_rendering_has_every_process(overlay: str) -> None:
    index = by_kind_and_name(rendered()[overlay])
    assert ("Namespace", "training-backbone") in index and ("ConfigMap", "backbone-settings") in index
    for service in SERVICES:
        assert ("Deployment", f"{service}-api") in index, service
        assert ("Service", service) in index, service
        assert ("PodDisruptionBudget", f"{service}-api") in index, service
        assert ("Deployment", f"{service}-relay") in index, service
        assert (("Deployment", f"{service}-consumer") in index) == (
            spec_of(service).handlers() is not None
        ), service
    assert ("Deployment", "training-consumer") in index
    assert ("Deployment", "temporal-worker") in index and ("Job", "create-topics") in index
    assert ("Deployment", "national-feed") in index and ("ConfigMap", "national-subscribers") in index
    for doc in index.values():
        if doc["kind"] not in CLUSTER_SCOPED:
            assert doc["metadata"]["namespace"] == "training-backbone", doc["metadata"]["name"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlays_set_image_tag_and_environment(overlay: str) -> None:
    docs = rendered()[overlay]
    for _, container in containers(docs):
        name, _, tag = container["image"].rpartition(":")
        assert name.endswith("training-backbone") and tag and tag != "latest", container["image"]
    settings = by_kind_and_name(docs)[("ConfigMap", "backbone-settings")]["data"]
    if overlay in EXPECTED_ENVIRONMENT:
        assert settings["BACKBONE_ENVIRONMENT"] == EXPECTED_ENVIRONMENT[overlay]
    api_minimum = [
        d["spec"]["minReplicas"]
        for d in docs
        if d["kind"] == "HorizontalPodAutoscaler" and d["metadata"]["name"].endswith("-api")
    ]
    assert api_minimum and all(r >= (3 if overlay == "production" else 1) for r in api_minimum)


# --- what each process gets ------------------------------------------------------------------------------------


def test_each_api_listens_where_its_probes_and_service_look() -> None:
    index = by_kind_and_name(rendered()["base"])
    for service in SERVICES:
        port = DEFAULT_SERVICE_PORTS[service]
        api = index[("Deployment", f"{service}-api")]
        pod = api["spec"]["template"]
        assert api["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
        (container,) = pod["spec"]["containers"]
        assert container["command"][-2:] == [service, "api"]
        assert container["ports"] == [{"name": "http", "containerPort": port, "protocol": "TCP"}]
        assert env_value(container, f"{service.upper()}_HTTP_PORT") == str(port)
        assert env_value(container, f"{service.upper()}_HTTP_HOST") == "0.0.0.0"
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": port}
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": port}
        assert [c["command"][-2:] for c in pod["spec"]["initContainers"]] == [[service, "migrate"]]
        annotations = pod["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true" and annotations["prometheus.io/port"] == str(
            port
        )
        assert annotations["prometheus.io/path"] == "/metrics"

        svc = index[("Service", service)]
        assert svc["spec"].get("type", "ClusterIP") == "ClusterIP"
        assert svc["spec"]["selector"] == api["spec"]["selector"]["matchLabels"]
        (svc_port,) = svc["spec"]["ports"]
        assert svc_port["targetPort"] in ("http", port)
        pdb = index[("PodDisruptionBudget", f"{service}-api")]
        assert pdb["spec"]["selector"]["matchLabels"] == api["spec"]["selector"]["matchLabels"]


def test_relays_run_two_replicas_and_expose_their_metrics() -> None:
    index = by_kind_and_name(rendered()["base"])
    for service in SERVICES:
        relay = index[("Deployment", f"{service}-relay")]
        assert relay["spec"]["replicas"] == 2
        pod = relay["spec"]["template"]
        (container,) = pod["spec"]["containers"]
        assert container["command"][-2:] == [service, "relay"]
        assert env_value(container, f"{service.upper()}_RELAY_METRICS_PORT") == str(RELAY_METRICS_PORT)
        assert (
            env_value(container, f"{service.upper()}_HTTP_HOST") == "0.0.0.0"
        )  # the metrics server binds it
        assert {"name": "metrics", "containerPort": RELAY_METRICS_PORT, "protocol": "TCP"} in container[
            "ports"
        ]
        assert pod["metadata"]["annotations"]["prometheus.io/port"] == str(RELAY_METRICS_PORT)


def test_labels_are_consistent_and_selectors_select_their_pods() -> None:
    for doc in rendered()["base"]:
        if doc["kind"] in ("Kustomization", "NetworkPolicy", "ConfigMap", "Namespace"):
            continue
        labels = doc["metadata"]["labels"]
        assert {"app.kubernetes.io/name", "app.kubernetes.io/component"} <= labels.keys(), doc["metadata"]
        assert labels["app.kubernetes.io/part-of"] == "training-backbone"
    for doc, template in pod_templates(rendered()["base"]):
        assert template["metadata"]["labels"] == doc["metadata"]["labels"]
        if doc["kind"] == "Deployment":
            assert doc["spec"]["selector"]["matchLabels"].items() <= template["metadata"]["labels"].items()


@pytest.mark.parametrize("overlay", ["base", *OVERLAYS])
def test_every_container_is_hardened_and_bounded(overlay: str) -> None:
    for doc, template in pod_templates(rendered()[overlay]):
        pod = template["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, doc["metadata"]["name"]
        assert pod.get("automountServiceAccountToken") is False
        for container in [*pod.get("initContainers", []), *pod["containers"]]:
            where = f"{overlay}: {doc['metadata']['name']}/{container['name']}"
            limits, requests = container["resources"]["limits"], container["resources"]["requests"]
            assert {"cpu", "memory"} <= requests.keys() and {"cpu", "memory"} <= limits.keys(), where
            security = container["securityContext"]
            assert security["runAsNonRoot"] is True, where
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["capabilities"]["drop"] == ["ALL"], where
            # A read-only root filesystem needs a writable /tmp.
            assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"], where


def _entry_point(command: list[str]) -> tuple[str, ...]:
    """The entry point a container command runs, or an AssertionError saying why it is not one of ours."""
    assert command[:2] == ["python", "-m"], command
    module, args = command[2], command[3:]
    if module == "workflows.worker":
        assert args == [], command
        return (module,)
    if module == "backbone.feed":
        assert args == ["run"], command
        return (module, "run")
    if module == "console":
        assert args == [], command
        return (module,)
    if module == "services.finance":
        assert args in (["expire-pending"], ["dues"], ["settle-facilities"], ["charge-platforms"]), command
        return (module, *args)
    if module == "backbone.audit":
        assert args[0] in ("purge", "anchor", "verify") and args[1] in SERVICES, command
        assert args[2:] == (["--anchors"] if args[0] == "verify" else []), command
        return (module, *args[:2])
    assert module == "backbone.serve", command
    if args == ["topics"]:
        return (module, "topics")
    assert len(args) == 2 and args[0] in SERVICES and args[1] in ROLES, command
    if args[1] == "consumer":
        assert spec_of(args[0]).handlers() is not None, f"{args[0]} has no services/{args[0]}/handlers.py"
    return (module, *args)


@pytest.mark.parametrize("overlay", ["base", *OVERLAYS])
def test_every_command_is_one_of_the_entry_points(overlay: str) -> None:
    seen = {_entry_point(container["command"]) for _, container in containers(rendered()[overlay])}
    assert ("workflows.worker",) in seen and ("backbone.serve", "topics") in seen
    assert ("backbone.feed", "run") in seen and ("console",) in seen
    for service in SERVICES:
        for role in ("api", "relay", "migrate"):
            assert ("backbone.serve", service, role) in seen


def test_the_topics_job_can_be_rerun() -> None:
    job = by_kind_and_name(rendered()["base"])[("Job", "create-topics")]
    assert job["spec"]["template"]["spec"]["restartPolicy"] in ("OnFailure", "Never")
    assert job["spec"]["backoffLimit"] >= 1 and job["spec"]["ttlSecondsAfterFinished"] > 0


# --- secrets ---------------------------------------------------------------------------------------------------


def _secret_refs(docs: list[Doc], *, required_only: bool = False) -> set[tuple[str, str]]:
    refs = set()
    for _, container in containers(docs):
        for entry in container.get("env", []):
            ref = entry.get("valueFrom", {}).get("secretKeyRef")
            if ref and not (required_only and ref.get("optional")):
                refs.add((ref["name"], ref["key"]))
    return refs


@pytest.mark.parametrize("overlay", ["base", *OVERLAYS])
def test_no_secret_value_is_in_the_default_resources(overlay: str) -> None:
    directory = K8S / "base" if overlay == "base" else K8S / "overlays" / overlay
    assert "secretGenerator" not in load(directory / "kustomization.yaml")[0]
    docs = rendered()[overlay]
    for doc in docs:
        if doc["kind"] == "Secret":
            assert not doc.get("data") and not doc.get("stringData"), (
                f"{overlay}: Secret {doc['metadata']['name']}"
            )
    for doc in docs:
        if doc["kind"] == "ConfigMap":
            for key, value in doc["data"].items():
                # (An endpoint's address is no secret, even when it is where tokens are issued.)
                sensitive = any(word in key.upper() for word in ("PASSWORD", "SECRET", "TOKEN"))
                assert not sensitive or key.endswith("_URL"), key
                assert "@" not in value, f"{key}: credentials in a URL belong in a Secret"
    for _, container in containers(docs):
        for entry in container.get("env", []):
            sensitive = any(w in entry["name"] for w in ("PASSWORD", "SECRET", "TOKEN", "DATABASE_URL"))
            assert not (sensitive and "value" in entry), f"{entry['name']} must come from a Secret"
    for ref in _secret_refs(docs):
        assert ref[0].endswith(("-db", "-kafka", "-oauth", "-session")), ref


def test_example_secrets_are_placeholders_outside_every_kustomization() -> None:
    text = EXAMPLE_SECRETS.read_text()
    assert "EXAMPLE ONLY" in text
    examples = load(EXAMPLE_SECRETS)
    assert examples and all(doc["kind"] == "Secret" and "data" not in doc for doc in examples)
    for doc in examples:
        for key, value in doc["stringData"].items():
            if key != "username":
                assert PLACEHOLDER in value, f"{doc['metadata']['name']}.{key} is not a placeholder"
    for kustomization in K8S.rglob("kustomization.yaml"):
        for resource in load(kustomization)[0].get("resources", []):
            assert "examples" not in (kustomization.parent / resource).resolve().parts, kustomization
    # The example names every Secret the manifests refer to, so it doubles as the checklist.
    provided = {(doc["metadata"]["name"], key) for doc in examples for key in doc["stringData"]}
    assert _secret_refs(rendered()["base"], required_only=True) <= provided


# --- the settings each process reads ---------------------------------------------------------------------------


def _environment_of(container: Doc, settings: dict[str, str]) -> dict[str, str]:
    env = dict(settings)
    for entry in container.get("env", []):
        if "value" in entry:
            env[entry["name"]] = entry["value"]
            continue
        # The smallest Secrets that work: the required keys only, optional ones absent.
        if not entry["valueFrom"]["secretKeyRef"].get("optional"):
            env[entry["name"]] = "a-real-secret"
    return env


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_process_loads_its_settings_from_what_its_manifest_gives(
    overlay: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backbone.feed.filter import feed_settings
    from workflows.worker import worker_settings

    docs = rendered()[overlay]
    index = by_kind_and_name(docs)
    settings = index[("ConfigMap", "backbone-settings")]["data"]
    prefixes = tuple(f"{p.upper()}_" for p in (*SERVICES, "backbone", "worker", "topics", "feed", "console"))
    for doc, container in containers(docs):
        for key in [k for k in os.environ if k.upper().startswith(prefixes)]:
            monkeypatch.delenv(key)
        env = _environment_of(container, settings)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        entry = _entry_point(container["command"])
        where = f"{doc['metadata']['name']}/{container['name']}"
        try:
            if entry == ("workflows.worker",):
                loaded: Any = worker_settings()
                host = loaded.partners_url.removeprefix("http://").split(":")[0].split("/")[0]
                assert ("Service", host) in index, f"{where}: the worker calls {loaded.partners_url}"
            elif entry == ("console",):
                from cryptography.fernet import Fernet

                from console.settings import console_settings

                monkeypatch.setenv("CONSOLE_SESSION_KEY", Fernet.generate_key().decode())
                loaded = console_settings()
                for name in ("partners", "training", "incidents", "assessment", "finance"):
                    host = getattr(loaded, f"{name}_url").removeprefix("http://").split("/")[0]
                    assert ("Service", host) in index, f"{where}: the console calls {host}"
                assert loaded.secure_cookies and loaded.public_url.startswith("https://"), where
                assert loaded.http_port == container["readinessProbe"]["httpGet"]["port"], where
                loaded.sealing_key()
            elif entry == ("backbone.serve", "topics"):
                loaded = load_settings("topics", uses_database=False)
            elif entry == ("backbone.feed", "run"):
                loaded = feed_settings()
                assert str(loaded.subscribers_file).startswith("/etc/backbone/feed/"), where
            elif entry[0] == "services.finance":
                loaded = load_settings("finance")
            elif entry[0] == "backbone.audit":
                loaded = load_settings(entry[2])
                if entry[1] == "purge":
                    assert loaded.migration_password is not None, (
                        f"{where}: the purge runs as the tables' owner"
                    )
            else:
                service, role = entry[1], entry[2]
                loaded = load_settings(service, uses_temporal=service == "partners")
                if role == "api":
                    assert loaded.http_host == "0.0.0.0"
                    assert loaded.http_port == container["readinessProbe"]["httpGet"]["port"]
                if role == "relay":
                    assert loaded.http_host == "0.0.0.0"
                    assert loaded.relay_metrics_port == RELAY_METRICS_PORT
        except ValidationError as error:
            raise AssertionError(f"{overlay}: {where} cannot load its settings: {error}") from error
        assert loaded.environment == settings["BACKBONE_ENVIRONMENT"], where
        assert loaded.kafka_bootstrap == settings["BACKBONE_KAFKA_BOOTSTRAP"], where
        assert loaded.temporal_address == settings["BACKBONE_TEMPORAL_ADDRESS"], where
        if loaded.kafka_security_protocol == "PLAINTEXT":
            assert not loaded.kafka_sasl_mechanism, where


def test_background_processes_have_probes_apis_autoscale_and_the_audit_purge_runs_daily() -> None:
    index = by_kind_and_name(rendered()["base"])
    probed = ["temporal-worker", "national-feed", "console"]
    for service in SERVICES:
        probed.append(f"{service}-relay")
        if spec_of(service).handlers() is not None:
            probed.append(f"{service}-consumer")
        api = index[("Deployment", f"{service}-api")]
        assert "replicas" not in api["spec"], "the autoscaler owns the count"
        scaler = index[("HorizontalPodAutoscaler", f"{service}-api")]
        assert scaler["spec"]["scaleTargetRef"]["name"] == f"{service}-api"
        assert scaler["spec"]["minReplicas"] >= 2
        purge = index[("CronJob", f"{service}-audit-purge")]
        assert purge["spec"]["concurrencyPolicy"] == "Forbid"
        (container,) = purge["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
        assert container["command"][-2:] == ["purge", service]
        anchor = index[("CronJob", f"{service}-audit-anchor")]["spec"]["jobTemplate"]["spec"]["template"][
            "spec"
        ]
        assert [c["command"][3:] for c in anchor["initContainers"]] == [["anchor", service]]
        assert [c["command"][3:] for c in anchor["containers"]] == [["verify", service, "--anchors"]]
        for step in [*anchor["initContainers"], *anchor["containers"]]:
            assert not any("MIGRATION" in e["name"] for e in step["env"]), "anchoring needs no owner's rights"
    expiry = index[("CronJob", "finance-ledger-expiry")]
    assert expiry["spec"]["schedule"] == "* * * * *" and expiry["spec"]["concurrencyPolicy"] == "Forbid"
    for name in probed:
        (container,) = index[("Deployment", name)]["spec"]["template"]["spec"]["containers"]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
        port = container["livenessProbe"]["httpGet"]["port"]
        assert any(p["containerPort"] == port for p in container["ports"]), name
