"""Writes the Kubernetes manifests (Kustomize) from one description: `python deploy/k8s/generate.py`.

Five services have the same shape (API, relay, optional consumer); writing their manifests by hand would be
fifteen near-copies. `tests/unit/test_k8s_manifests.py` fails when the committed files are stale.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from backbone.serve import consumes  # noqa: E402
from backbone.stack.config import DEFAULT_SERVICE_PORTS, SERVICES  # noqa: E402

NAMESPACE = "training-backbone"
IMAGE = "training-backbone"
PART_OF = {"app.kubernetes.io/part-of": "training-backbone"}
RESTRICTED = {
    "runAsNonRoot": True,
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}


def labels(name: str, component: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/component": component, **PART_OF}


def env_for(service: str) -> list[dict[str, Any]]:
    prefix = service.upper()
    return [
        {
            "name": f"{prefix}_DATABASE_URL",
            "valueFrom": {"secretKeyRef": {"name": f"{service}-db", "key": "url"}},
        },
        {
            "name": f"{prefix}_KAFKA_SASL_USERNAME",
            "valueFrom": {"secretKeyRef": {"name": f"{service}-kafka", "key": "username", "optional": True}},
        },
        {
            "name": f"{prefix}_KAFKA_SASL_PASSWORD",
            "valueFrom": {"secretKeyRef": {"name": f"{service}-kafka", "key": "password", "optional": True}},
        },
    ]


def container(
    name: str,
    command: list[str],
    service: str | None,
    *,
    port: int | None = None,
    probes: bool = False,
    cpu: str = "100m",
    memory: str = "256Mi",
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": name,
        "image": IMAGE,
        "command": command,
        "envFrom": [{"configMapRef": {"name": "backbone-settings"}}],
        "env": env_for(service) if service else [],
        "resources": {"requests": {"cpu": cpu, "memory": memory}, "limits": {"memory": "512Mi"}},
        "securityContext": RESTRICTED,
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    if port is not None:
        spec["ports"] = [{"name": "http", "containerPort": port}]
        spec["env"] = [*spec["env"], {"name": f"{(service or '').upper()}_HTTP_HOST", "value": "0.0.0.0"}]
    if probes and port is not None:
        spec["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": port}, "periodSeconds": 10}
        spec["readinessProbe"] = {
            "httpGet": {"path": "/readyz", "port": port},
            "periodSeconds": 5,
            "failureThreshold": 3,
        }
        spec["startupProbe"] = {
            "httpGet": {"path": "/healthz", "port": port},
            "failureThreshold": 30,
            "periodSeconds": 2,
        }
    return spec


def pod_spec(
    containers: list[dict[str, Any]], init: list[dict[str, Any]] | None = None, restart: str = "Always"
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "fsGroup": 10001},
        "automountServiceAccountToken": False,
        "restartPolicy": restart,
        "containers": containers,
        "volumes": [{"name": "tmp", "emptyDir": {}}],
    }
    if init:
        spec["initContainers"] = init
    return spec


def deployment(
    name: str, component: str, replicas: int, pod: dict[str, Any], annotations: dict[str, str] | None = None
) -> dict[str, Any]:
    meta = labels(name, component)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": meta},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "template": {"metadata": {"labels": meta, "annotations": annotations or {}}, "spec": pod},
        },
    }


def service_manifests(service: str) -> list[dict[str, Any]]:
    port = DEFAULT_SERVICE_PORTS[service]
    serve = ["python", "-m", "backbone.serve", service]
    api = f"{service}-api"
    docs = [
        deployment(
            api,
            "api",
            2,
            pod_spec(
                [container("api", [*serve, "api"], service, port=port, probes=True, cpu="200m")],
                init=[container("migrate", [*serve, "migrate"], service)],
            ),
            annotations={
                "prometheus.io/scrape": "true",
                "prometheus.io/port": str(port),
                "prometheus.io/path": "/metrics",
            },
        ),
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": service, "labels": labels(api, "api")},
            "spec": {
                "selector": {"app.kubernetes.io/name": api},
                "ports": [{"name": "http", "port": 80, "targetPort": port}],
            },
        },
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": api, "labels": labels(api, "api")},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": api}}},
        },
        # Two relay replicas: buckets are claimed under advisory locks, so they share the work safely.
        deployment(
            f"{service}-relay",
            "relay",
            2,
            pod_spec(
                [
                    {
                        **container("relay", [*serve, "relay"], service),
                        "env": [
                            *env_for(service),
                            {"name": f"{service.upper()}_RELAY_METRICS_PORT", "value": "9100"},
                        ],
                        "ports": [{"name": "metrics", "containerPort": 9100}],
                    }
                ]
            ),
            annotations={"prometheus.io/scrape": "true", "prometheus.io/port": "9100"},
        ),
    ]
    if consumes(service):
        docs.append(
            deployment(
                f"{service}-consumer",
                "consumer",
                2,
                pod_spec([container("consumer", [*serve, "consumer"], service)]),
            )
        )
    return docs


def shared_manifests() -> dict[str, list[dict[str, Any]]]:
    settings = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "backbone-settings", "labels": PART_OF},
        "data": {
            "BACKBONE_ENVIRONMENT": "production",
            "BACKBONE_KAFKA_BOOTSTRAP": "kafka-bootstrap.kafka.svc:9093",
            "BACKBONE_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "BACKBONE_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "BACKBONE_TEMPORAL_ADDRESS": "temporal-frontend.temporal.svc:7233",
            "BACKBONE_TEMPORAL_NAMESPACE": "training-backbone",
            "BACKBONE_TEMPORAL_TASK_QUEUE": "backbone",
            "BACKBONE_OTEL_EXPORTER": "otlp",
            "BACKBONE_OTEL_ENDPOINT": "http://otel-collector.observability.svc:4318/v1/traces",
            "BACKBONE_TOPIC_PREFIX": "",
            "WORKER_PARTNERS_URL": "http://partners",
        },
    }
    worker = deployment(
        "temporal-worker",
        "worker",
        2,
        pod_spec([container("worker", ["python", "-m", "workflows.worker"], None, cpu="200m")]),
    )
    topics = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "create-topics", "labels": labels("create-topics", "setup")},
        "spec": {
            "backoffLimit": 10,
            "template": {
                "metadata": {"labels": labels("create-topics", "setup")},
                "spec": pod_spec(
                    [container("topics", ["python", "-m", "backbone.serve", "topics"], None)],
                    restart="OnFailure",
                ),
            },
        },
    }
    network = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "apis-from-namespace-and-ingress", "labels": PART_OF},
        "spec": {
            "podSelector": {"matchLabels": {"app.kubernetes.io/component": "api"}},
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [
                        {"podSelector": {}},
                        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress"}}},
                    ]
                }
            ],
        },
    }
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE, "labels": PART_OF}}
    return {
        "namespace.yaml": [namespace],
        "settings.yaml": [settings],
        "worker.yaml": [worker],
        "topics-job.yaml": [topics],
        "network-policy.yaml": [network],
    }


def kustomization(resources: list[str], **extra: Any) -> list[dict[str, Any]]:
    return [
        {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            **extra,
            "resources": resources,
        }
    ]


def overlay(environment: str, tag: str, replicas: int) -> list[dict[str, Any]]:
    patches = [
        {
            "target": {"kind": "Deployment"},
            "patch": yaml.safe_dump([{"op": "replace", "path": "/spec/replicas", "value": replicas}]),
        }
    ]
    return kustomization(
        ["../../base"],
        namespace=NAMESPACE,
        images=[{"name": IMAGE, "newName": f"registry.example/{IMAGE}", "newTag": tag}],
        configMapGenerator=[
            {
                "name": "backbone-settings",
                "behavior": "merge",
                "literals": [f"BACKBONE_ENVIRONMENT={environment}"],
            }
        ],
        patches=patches,
    )


def manifests() -> dict[str, list[dict[str, Any]]]:
    files: dict[str, list[dict[str, Any]]] = {f"base/{k}": v for k, v in shared_manifests().items()}
    for service in SERVICES:
        files[f"base/{service}.yaml"] = service_manifests(service)
    files["base/kustomization.yaml"] = kustomization(
        sorted(name.removeprefix("base/") for name in files), namespace=NAMESPACE
    )
    files["overlays/staging/kustomization.yaml"] = overlay("staging", "main", 1)
    files["overlays/production/kustomization.yaml"] = overlay("production", "0.1.0", 2)
    return files


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def render(documents: list[dict[str, Any]]) -> str:
    head = "# Generated by deploy/k8s/generate.py; edit that, not this.\n"
    return head + "---\n".join(
        yaml.dump(doc, Dumper=_NoAliases, sort_keys=False, width=110) for doc in documents
    )


def expected_files() -> dict[Path, str]:
    return {HERE / name: render(documents) for name, documents in manifests().items()}


def main() -> None:
    for path, text in expected_files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    print(f"wrote {len(manifests())} files under {HERE}")


if __name__ == "__main__":
    main()
