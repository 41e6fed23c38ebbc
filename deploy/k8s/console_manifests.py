"""The web console's manifests: a Deployment behind a Service, reached only through the ingress controller.

It has no database and no privilege: it calls the APIs' Services with each person's token. Its replicas share
the session key (a Secret), so any of them opens any session; Kafka is read only for live page updates."""

from __future__ import annotations

from deploy.k8s.objects import (
    INGRESS_NAMESPACE,
    PART_OF,
    Doc,
    container,
    deployment,
    kafka_credentials,
    labels,
    pod_spec,
    probes,
    secret_env,
    selector,
)

CONSOLE_PORT = 8010
PUBLIC_URL = "https://console.example.internal"
"""Where browsers reach it (its OpenID redirect URI is <PUBLIC_URL>/auth/callback); an overlay sets its own."""


def console_manifests() -> list[Doc]:
    console = container(
        "console",
        ["python", "-m", "console"],
        [
            {"name": "CONSOLE_HTTP_HOST", "value": "0.0.0.0"},
            {"name": "CONSOLE_HTTP_PORT", "value": str(CONSOLE_PORT)},
            {"name": "CONSOLE_PUBLIC_URL", "value": PUBLIC_URL},
            {"name": "CONSOLE_CLIENT_ID", "value": "backbone-console"},
            *(
                {"name": f"CONSOLE_{name.upper()}_URL", "value": f"http://{name}"}
                for name in ("partners", "training", "incidents", "assessment", "finance")
            ),
            secret_env("CONSOLE_SESSION_KEY", "console-session", "key"),
            *kafka_credentials("CONSOLE", "console-kafka"),
        ],
        ports=[{"name": "http", "containerPort": CONSOLE_PORT, "protocol": "TCP"}],
        **probes(CONSOLE_PORT),
    )
    return [
        deployment(
            "console",
            "console",
            "console",
            replicas=2,
            pod=pod_spec([console], terminationGracePeriodSeconds=20),
            strategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
        ),
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "console", "labels": labels("console", "console")},
            "spec": {
                "type": "ClusterIP",
                "selector": selector("console", "console"),
                "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
            },
        },
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": "console", "labels": labels("console", "console")},
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector("console", "console")}},
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "console-accepts-http", "labels": {"app.kubernetes.io/part-of": PART_OF}},
            "spec": {
                "podSelector": {"matchLabels": selector("console", "console")},
                "policyTypes": ["Ingress"],
                "ingress": [
                    {
                        "from": [
                            {
                                "namespaceSelector": {
                                    "matchLabels": {"kubernetes.io/metadata.name": INGRESS_NAMESPACE}
                                }
                            }
                        ],
                        "ports": [{"protocol": "TCP", "port": "http"}],
                    }
                ],
            },
        },
    ]
