"""Writes the Kubernetes base (Kustomize) from one description: `uv run python deploy/k8s/generate.py`.

Five services have the same shape (API, relay, optional consumer); writing their manifests by hand would be
fifteen near-copies that drift apart. This script writes `base/` and `examples/`; the overlays under
`overlays/` are written by hand (environment settings, image tags, replicas) and `kustomize edit` may change
them. `tests/unit/test_k8s_manifests.py` fails when a generated file is stale.

A service gets a consumer Deployment as soon as it has `services/<name>/handlers.py` (the same rule
`python -m backbone.serve <name> consumer` applies), so adding a consumer needs no manifest edit.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from backbone.registry import DEFAULT_SERVICE_PORTS, SERVICES, spec_of  # noqa: E402
from deploy.k8s.console_manifests import console_manifests  # noqa: E402
from deploy.k8s.objects import (  # noqa: E402
    EGRESS_PORTS,
    INGRESS_NAMESPACE,
    MONITORING_NAMESPACE,
    NAMESPACE,
    PART_OF,
    RELAY_METRICS_PORT,
    SETTINGS_CONFIGMAP,
    SHARED_SETTINGS,
    Doc,
    audit_anchor,
    audit_purge,
    autoscaler,
    container,
    contribution_dues,
    database,
    deployment,
    facility_settlement,
    kafka_credentials,
    labels,
    ledger_expiry,
    platform_charges,
    pod_spec,
    probes,
    resources,
    scrape,
    secret_env,
    selector,
    service_env,
)

SIGNING_KEYS_DIR = "/etc/backbone/signing"


def service_manifests(service: str) -> list[Doc]:
    prefix = service.upper()
    port = DEFAULT_SERVICE_PORTS[service]
    serve = ["python", "-m", "backbone.serve", service]
    api_env = [
        *service_env(service),
        {"name": f"{prefix}_HTTP_HOST", "value": "0.0.0.0"},
        {"name": f"{prefix}_HTTP_PORT", "value": str(port)},
    ]
    signing: dict[str, Any] = {}
    if service == "training":
        # Every pod signs credentials with the same keys: a Secret, never a key a pod made for itself.
        api_env.append({"name": "TRAINING_SIGNING_KEYS_DIR", "value": SIGNING_KEYS_DIR})
        signing["volumeMounts"] = [
            {"name": "tmp", "mountPath": "/tmp"},
            {"name": "signing-keys", "mountPath": SIGNING_KEYS_DIR, "readOnly": True},
        ]
    api = container(
        "api",
        [*serve, "api"],
        api_env,
        **signing,
        ports=[{"name": "http", "containerPort": port, "protocol": "TCP"}],
        resources=resources("200m", "256Mi"),
        startupProbe={
            "httpGet": {"path": "/healthz", "port": port},
            "periodSeconds": 2,
            "failureThreshold": 30,
        },
        livenessProbe={
            "httpGet": {"path": "/healthz", "port": port},
            "periodSeconds": 10,
            "timeoutSeconds": 3,
            "failureThreshold": 3,
        },
        readinessProbe={
            "httpGet": {"path": "/readyz", "port": port},
            "periodSeconds": 5,
            "timeoutSeconds": 3,
            "failureThreshold": 3,
        },
    )
    # Migrations before the API starts; Alembic is idempotent, so a restarted pod just finds them applied.
    # As the tables' owner (the runtime role owns nothing, so it cannot alter or unprotect a table).
    owner = secret_env(f"{service.upper()}_MIGRATION_PASSWORD", f"{service}-db", "owner-password")
    migrate = container("migrate", [*serve, "migrate"], [*database(service), owner])
    api_pod = pod_spec([api], init=[migrate], terminationGracePeriodSeconds=30)
    if signing:
        api_pod["volumes"].append({"name": "signing-keys", "secret": {"secretName": "training-signing-keys"}})
    docs: list[Doc] = [
        deployment(
            f"{service}-api",
            service,
            "api",
            replicas=None,  # its HorizontalPodAutoscaler's (2 to 6)
            pod=api_pod,
            annotations=scrape(port),
            strategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
        ),
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": service, "labels": labels(service, "api")},
            "spec": {
                "type": "ClusterIP",
                "selector": selector(service, "api"),
                "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
            },
        },
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": f"{service}-api", "labels": labels(service, "api")},
            # maxUnavailable rather than minAvailable: it never blocks a node drain when an overlay runs one replica.
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector(service, "api")}},
        },
    ]
    # Two relay replicas: they claim outbox buckets under advisory locks, so they share the work safely and
    # keep each aggregate's events in commit order.
    relay = container(
        "relay",
        [*serve, "relay"],
        [
            *service_env(service),
            {"name": f"{prefix}_HTTP_HOST", "value": "0.0.0.0"},  # the metrics server binds here
            {"name": f"{prefix}_RELAY_METRICS_PORT", "value": str(RELAY_METRICS_PORT)},
        ],
        ports=[{"name": "metrics", "containerPort": RELAY_METRICS_PORT, "protocol": "TCP"}],
        **probes(RELAY_METRICS_PORT),
    )
    docs.append(
        deployment(
            f"{service}-relay",
            service,
            "relay",
            replicas=2,
            pod=pod_spec([relay]),
            annotations=scrape(RELAY_METRICS_PORT),
        )
    )
    if spec_of(service).handlers() is not None:
        consumer = container(
            "consumer",
            [*serve, "consumer"],
            [
                *service_env(service),
                {"name": f"{prefix}_HTTP_HOST", "value": "0.0.0.0"},
                {"name": f"{prefix}_CONSUMER_HEALTH_PORT", "value": str(RELAY_METRICS_PORT)},
            ],
            ports=[{"name": "metrics", "containerPort": RELAY_METRICS_PORT, "protocol": "TCP"}],
            **probes(RELAY_METRICS_PORT),
        )
        docs.append(
            deployment(
                f"{service}-consumer",
                service,
                "consumer",
                replicas=2,
                pod=pod_spec([consumer], terminationGracePeriodSeconds=30),
                annotations=scrape(RELAY_METRICS_PORT),
            )
        )
    docs.append(autoscaler(f"{service}-api", "api"))
    docs.append(audit_purge(service))
    docs.append(audit_anchor(service))
    if service == "finance":
        docs.append(ledger_expiry())
        docs.append(contribution_dues())
        docs.append(facility_settlement())
        docs.append(platform_charges())
    return docs


def worker_manifests() -> list[Doc]:
    worker = container(
        "worker",
        ["python", "-m", "workflows.worker"],
        # Activities call the partners API through its Service, as an OAuth2 client of the identity provider.
        [
            {"name": "WORKER_PARTNERS_URL", "value": "http://partners"},
            {"name": "WORKER_TRAINING_URL", "value": "http://training"},
            {"name": "WORKER_INCIDENTS_URL", "value": "http://incidents"},
            {"name": "WORKER_FINANCE_URL", "value": "http://finance"},
            {"name": "WORKER_ASSESSMENT_URL", "value": "http://assessment"},
            {"name": "WORKER_AUTH_CLIENT_ID", "value": "backbone-worker"},
            secret_env("WORKER_AUTH_CLIENT_SECRET", "worker-oauth", "client-secret"),
            {"name": "WORKER_HTTP_HOST", "value": "0.0.0.0"},
            {"name": "WORKER_HEALTH_PORT", "value": str(RELAY_METRICS_PORT)},
        ],
        resources=resources("200m", "256Mi"),
        ports=[{"name": "metrics", "containerPort": RELAY_METRICS_PORT, "protocol": "TCP"}],
        **probes(RELAY_METRICS_PORT),
    )
    return [
        deployment(
            "temporal-worker",
            "temporal-worker",
            "worker",
            replicas=2,
            # Time for running activities to finish after SIGTERM.
            pod=pod_spec([worker], terminationGracePeriodSeconds=60),
            annotations=scrape(RELAY_METRICS_PORT),
        )
    ]


def feed_manifests() -> list[Doc]:
    # One filter: its Kafka transactional id must be unique among running filters, and Recreate guarantees that
    # the old pod is gone before the new one starts (a straggler would be fenced by the broker anyway). The
    # subscribers live in a ConfigMap the platform's operators edit; the filter re-reads it when it changes.
    feed = container(
        "feed",
        ["python", "-m", "backbone.feed", "run"],
        [
            {"name": "FEED_SUBSCRIBERS_FILE", "value": "/etc/backbone/feed/subscribers.json"},
            {"name": "FEED_TRANSACTIONAL_ID", "value": "national-feed-0"},
            {"name": "FEED_HTTP_HOST", "value": "0.0.0.0"},
            {"name": "FEED_METRICS_PORT", "value": str(RELAY_METRICS_PORT)},
            *kafka_credentials("FEED", "feed-kafka"),
        ],
        volumeMounts=[
            {"name": "tmp", "mountPath": "/tmp"},
            {"name": "subscribers", "mountPath": "/etc/backbone/feed", "readOnly": True},
        ],
        ports=[{"name": "metrics", "containerPort": RELAY_METRICS_PORT}],
        **probes(RELAY_METRICS_PORT),
    )
    pod = pod_spec([feed], terminationGracePeriodSeconds=30)
    pod["volumes"].append({"name": "subscribers", "configMap": {"name": "national-subscribers"}})
    subscribers: Doc = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "national-subscribers", "labels": labels("national-feed", "feed")},
        "data": {"subscribers.json": "[]\n"},
    }
    return [
        subscribers,
        deployment(
            "national-feed",
            "national-feed",
            "feed",
            replicas=1,
            pod=pod,
            strategy={"type": "Recreate"},
            annotations=scrape(RELAY_METRICS_PORT),
        ),
    ]


def topics_manifests() -> list[Doc]:
    topics = container(
        "topics",
        ["python", "-m", "backbone.serve", "topics"],
        # Creating topics needs more rights than producing: its own (optional) Kafka credentials.
        kafka_credentials("TOPICS", "topics-kafka"),
    )
    return [
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "create-topics", "labels": labels("create-topics", "setup")},
            "spec": {
                "backoffLimit": 6,
                "activeDeadlineSeconds": 600,
                # Jobs are immutable: removing the finished one lets the next apply (new image) create it again.
                # Creating topics is idempotent, so a re-run changes nothing.
                "ttlSecondsAfterFinished": 3600,
                "template": {
                    "metadata": {"labels": labels("create-topics", "setup")},
                    "spec": pod_spec([topics], restart="OnFailure"),
                },
            },
        }
    ]


def network_policies() -> list[Doc]:
    ours = {"app.kubernetes.io/part-of": PART_OF}

    def in_namespace(name: str) -> Doc:
        return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}

    def policy(name: str, spec: Doc) -> Doc:
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": name, "labels": {"app.kubernetes.io/part-of": PART_OF}},
            "spec": spec,
        }

    return [
        policy("default-deny-ingress", {"podSelector": {}, "policyTypes": ["Ingress"]}),
        policy(
            "apis-accept-http",
            {
                "podSelector": {"matchLabels": {"app.kubernetes.io/component": "api", **ours}},
                "policyTypes": ["Ingress"],
                "ingress": [
                    {
                        # The worker's activities (and any of our pods), and the ingress controller.
                        "from": [{"podSelector": {"matchLabels": ours}}, in_namespace(INGRESS_NAMESPACE)],
                        "ports": [{"protocol": "TCP", "port": "http"}],
                    }
                ],
            },
        ),
        policy(
            "metrics-from-monitoring",
            {
                "podSelector": {
                    "matchLabels": ours,
                    "matchExpressions": [
                        {"key": "app.kubernetes.io/component", "operator": "In", "values": ["api", "relay"]}
                    ],
                },
                "policyTypes": ["Ingress"],
                "ingress": [
                    {
                        "from": [in_namespace(MONITORING_NAMESPACE)],
                        "ports": [
                            {"protocol": "TCP", "port": "http"},
                            {"protocol": "TCP", "port": "metrics"},
                        ],
                    }
                ],
            },
        ),
        policy(
            "egress-to-dependencies",
            {
                "podSelector": {},
                "policyTypes": ["Egress"],
                "egress": [
                    {"ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]},
                    {
                        "to": [
                            {"podSelector": {"matchLabels": {"app.kubernetes.io/component": "api", **ours}}}
                        ],
                        "ports": [{"protocol": "TCP", "port": "http"}],
                    },
                    {
                        "ports": [
                            {"protocol": "TCP", "port": port}
                            for ports in EGRESS_PORTS.values()
                            for port in ports
                        ]
                    },
                ],
            },
        ),
    ]


def namespace() -> list[Doc]:
    return [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": NAMESPACE,
                "labels": {
                    "app.kubernetes.io/part-of": PART_OF,
                    # Every pod here meets the "restricted" Pod Security Standard; the API server enforces it.
                    "pod-security.kubernetes.io/enforce": "restricted",
                },
            },
        }
    ]


def base_kustomization(resource_files: list[str]) -> list[Doc]:
    return [
        {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "namespace": NAMESPACE,
            "resources": resource_files,
            # Generated, so its name carries a hash of its content: changing a setting rolls every pod.
            "configMapGenerator": [
                {
                    "name": SETTINGS_CONFIGMAP,
                    "options": {"labels": {"app.kubernetes.io/part-of": PART_OF}},
                    "literals": [f"{key}={value}" for key, value in SHARED_SETTINGS.items()],
                }
            ],
        }
    ]


PLACEHOLDER = "REPLACE_ME"


def example_secrets() -> list[Doc]:
    def secret(name: str, data: dict[str, str]) -> Doc:
        return {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": name,
                "namespace": NAMESPACE,
                "labels": {"app.kubernetes.io/part-of": PART_OF},
            },
            "type": "Opaque",
            "stringData": data,
        }

    docs = []
    for service in SERVICES:
        docs.append(secret(f"{service}-db", {"password": PLACEHOLDER, "owner-password": PLACEHOLDER}))
        docs.append(secret(f"{service}-kafka", {"username": service, "password": PLACEHOLDER}))
    docs.append(secret("topics-kafka", {"username": "topics-admin", "password": PLACEHOLDER}))
    docs.append(secret("feed-kafka", {"username": "feed", "password": PLACEHOLDER}))
    docs.append(secret("worker-oauth", {"client-secret": PLACEHOLDER}))
    # `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`
    docs.append(secret("console-session", {"key": PLACEHOLDER}))
    docs.append(secret("console-kafka", {"username": "console", "password": PLACEHOLDER}))
    # `python -m backbone.issuer signing-key --into DIR`, then a key per file: `current` and `<kid>.pem`.
    docs.append(secret("training-signing-keys", {"current": PLACEHOLDER, "PLACEHOLDER.pem": PLACEHOLDER}))
    return docs


def manifests() -> dict[str, list[Doc]]:
    """Generated file (relative to deploy/k8s) -> its documents."""
    files: dict[str, list[Doc]] = {
        "base/namespace.yaml": namespace(),
        **{f"base/{service}.yaml": service_manifests(service) for service in SERVICES},
        "base/worker.yaml": worker_manifests(),
        "base/national-feed.yaml": feed_manifests(),
        "base/console.yaml": console_manifests(),
        "base/topics-job.yaml": topics_manifests(),
        "base/network-policies.yaml": network_policies(),
    }
    files["base/kustomization.yaml"] = base_kustomization([name.removeprefix("base/") for name in files])
    files["examples/secrets.example.yaml"] = example_secrets()
    return files


HEADERS = {
    "examples/secrets.example.yaml": (
        "# EXAMPLE ONLY - placeholders, not real credentials, and in no kustomization's resources.\n"
        "# Copy it outside the repository, replace every REPLACE_ME, and apply it yourself\n"
        "# (`kubectl apply -f my-secrets.yaml`), or better create the Secrets from your secret manager\n"
        "# (External Secrets, Sealed Secrets, Vault). Never commit real values.\n"
    ),
}


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def render(name: str, documents: list[Doc]) -> str:
    head = "# Generated by deploy/k8s/generate.py; edit that, not this.\n" + HEADERS.get(name, "")
    return head + "---\n".join(
        yaml.dump(doc, Dumper=_NoAliases, sort_keys=False, width=110) for doc in documents
    )


def expected_files() -> dict[Path, str]:
    return {HERE / name: render(name, documents) for name, documents in manifests().items()}


def main() -> None:
    for path, text in expected_files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    print(f"wrote {len(manifests())} files under {HERE}")


if __name__ == "__main__":
    main()
