"""The building blocks of the Kubernetes manifests: labels, hardened containers and pods, settings and secrets
as environment, Deployments. `generate.py` assembles them per process."""

from __future__ import annotations

from typing import Any

Doc = dict[str, Any]

NAMESPACE = "training-backbone"
PART_OF = "training-backbone"
IMAGE = "training-backbone"
UID = 10001
RELAY_METRICS_PORT = 9100

# Namespaces allowed in by the NetworkPolicies: the ingress controller (to the APIs) and Prometheus (metrics).
INGRESS_NAMESPACE = "ingress-nginx"
MONITORING_NAMESPACE = "monitoring"

# TCP ports the processes may open outside the namespace: managed PostgreSQL, Kafka (plain, TLS, SASL), the
# Temporal frontend, the OpenTelemetry collector. Change them here if your managed services listen elsewhere.
EGRESS_PORTS = {
    "postgresql": [5432],
    "kafka": [9092, 9093, 9094, 9096],
    "temporal": [7233],
    "otlp": [4317, 4318],
    "identity-provider": [443],
}

# The shared settings every process reads (BACKBONE_* after its own <SERVICE>_* variables; every container gets
# the whole ConfigMap, so an overlay may add a <SERVICE>_* key for one service). The endpoints are placeholders:
# each overlay points them at its environment's managed PostgreSQL, Kafka and Temporal.
SHARED_SETTINGS = {
    "BACKBONE_ENVIRONMENT": "production",
    "BACKBONE_POSTGRES_HOST": "postgres.example.internal",
    "BACKBONE_POSTGRES_PORT": "5432",
    # Read by asyncpg: TLS to the managed PostgreSQL (verify-full also needs PGSSLROOTCERT and a mounted CA).
    "PGSSLMODE": "require",
    "BACKBONE_KAFKA_BOOTSTRAP": "kafka.example.internal:9093",
    "BACKBONE_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
    "BACKBONE_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
    "BACKBONE_TEMPORAL_ADDRESS": "temporal.example.internal:7233",
    "BACKBONE_TEMPORAL_NAMESPACE": "training-backbone",
    "BACKBONE_TEMPORAL_TASK_QUEUE": "backbone",
    # Bearer tokens from the partners' identity provider (OIDC): its issuer and JWKS. Each service accepts its own
    # audience, `training-backbone.<service>` (a token for training is refused by partners); a machine client is
    # one whose token says `gty: client-credentials` (BACKBONE_AUTH_CLIENT_CLAIM / _VALUE to match the IdP).
    "BACKBONE_AUTH_ISSUER": "https://login.example.internal/realms/training-backbone",
    "BACKBONE_AUTH_JWKS_URL": "https://login.example.internal/realms/training-backbone/protocol/openid-connect/certs",
    "WORKER_AUTH_TOKEN_URL": "https://login.example.internal/realms/training-backbone/protocol/openid-connect/token",
    "BACKBONE_OTEL_EXPORTER": "otlp",
    "BACKBONE_OTEL_ENDPOINT": "http://otel-collector.observability.svc:4318/v1/traces",
    "BACKBONE_LOG_JSON": "true",
}

SETTINGS_CONFIGMAP = "backbone-settings"

CONTAINER_SECURITY = {
    "runAsNonRoot": True,
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}

POD_SECURITY = {
    "runAsNonRoot": True,
    "runAsUser": UID,
    "runAsGroup": UID,
    "fsGroup": UID,
    "seccompProfile": {"type": "RuntimeDefault"},
}


def labels(name: str, component: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": PART_OF,
    }


def selector(name: str, component: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/component": component}


def secret_env(variable: str, secret: str, key: str, *, optional: bool = False) -> Doc:
    ref: Doc = {"name": secret, "key": key}
    if optional:
        ref["optional"] = True
    return {"name": variable, "valueFrom": {"secretKeyRef": ref}}


def kafka_credentials(prefix: str, secret: str) -> list[Doc]:
    # Optional: a cluster without SASL (the local overlay) needs no Kafka Secret.
    return [
        secret_env(f"{prefix}_KAFKA_SASL_USERNAME", secret, "username", optional=True),
        secret_env(f"{prefix}_KAFKA_SASL_PASSWORD", secret, "password", optional=True),
    ]


def database(service: str) -> list[Doc]:
    # The password is required (outside development the services refuse to start on the development one);
    # host and port come from the ConfigMap (BACKBONE_POSTGRES_HOST/PORT, or <SERVICE>_POSTGRES_HOST to move one
    # service), database and role are named after the service. An optional `url` key, when present, replaces
    # all of these (e.g. for connection parameters).
    prefix, secret = service.upper(), f"{service}-db"
    return [
        secret_env(f"{prefix}_DATABASE_PASSWORD", secret, "password"),
        secret_env(f"{prefix}_DATABASE_URL", secret, "url", optional=True),
    ]


def service_env(service: str) -> list[Doc]:
    return [*database(service), *kafka_credentials(service.upper(), f"{service}-kafka")]


def resources(cpu: str, memory: str, *, cpu_limit: str = "1", memory_limit: str = "512Mi") -> Doc:
    return {"requests": {"cpu": cpu, "memory": memory}, "limits": {"cpu": cpu_limit, "memory": memory_limit}}


def container(name: str, command: list[str], env: list[Doc], **extra: Any) -> Doc:
    spec: Doc = {
        "name": name,
        "image": IMAGE,
        "command": command,
        "envFrom": [{"configMapRef": {"name": SETTINGS_CONFIGMAP}}],
        "env": env,
        "resources": resources("100m", "192Mi"),
        "securityContext": CONTAINER_SECURITY,
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    spec.update(extra)
    return spec


def pod_spec(
    containers: list[Doc], *, init: list[Doc] | None = None, restart: str = "Always", **extra: Any
) -> Doc:
    spec: Doc = {
        "automountServiceAccountToken": False,
        "securityContext": POD_SECURITY,
        "restartPolicy": restart,
    }
    if init:
        spec["initContainers"] = init
    spec["containers"] = containers
    spec["volumes"] = [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}]
    spec.update(extra)
    return spec


def spread(name: str, component: str) -> list[Doc]:
    # Replicas on different nodes where possible, so one node going away leaves the others running.
    return [
        {
            "maxSkew": 1,
            "topologyKey": "kubernetes.io/hostname",
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": selector(name, component)},
        }
    ]


def scrape(port: int, path: str = "/metrics") -> dict[str, str]:
    return {"prometheus.io/scrape": "true", "prometheus.io/port": str(port), "prometheus.io/path": path}


def deployment(
    resource_name: str,
    name: str,
    component: str,
    *,
    replicas: int | None,
    pod: Doc,
    annotations: dict[str, str] | None = None,
    strategy: Doc | None = None,
) -> Doc:
    pod = {**pod, "topologySpreadConstraints": spread(name, component)}
    template_meta: Doc = {"labels": labels(name, component)}
    if annotations:
        template_meta["annotations"] = annotations
    # None: a HorizontalPodAutoscaler owns the count (an apply must not reset what it scaled to).
    spec: Doc = {"selector": {"matchLabels": selector(name, component)}}
    if replicas is not None:
        spec["replicas"] = replicas
    if strategy:
        spec["strategy"] = strategy
    spec["template"] = {"metadata": template_meta, "spec": pod}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": resource_name, "labels": labels(name, component)},
        "spec": spec,
    }


def probes(port: int) -> Doc:
    """Liveness (the process's loop comes round) and readiness (its dependencies answer), backbone/health.py."""
    return {
        "livenessProbe": {
            "httpGet": {"path": "/healthz", "port": port},
            "periodSeconds": 15,
            "timeoutSeconds": 3,
            "failureThreshold": 4,
        },
        "readinessProbe": {
            "httpGet": {"path": "/readyz", "port": port},
            "periodSeconds": 10,
            "timeoutSeconds": 3,
            "failureThreshold": 3,
        },
    }


def autoscaler(name: str, component: str, *, minimum: int = 2, maximum: int = 6) -> Doc:
    """Scale an API on CPU; the PodDisruptionBudget and the rolling update keep one serving meanwhile."""
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name, "labels": labels(name.removesuffix(f"-{component}"), component)},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": minimum,
            "maxReplicas": maximum,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}},
                }
            ],
        },
    }


def _cron(name: str, service: str, component: str, schedule: str, containers: list[Doc]) -> Doc:
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": name, "labels": labels(service, component)},
        "spec": {
            "schedule": schedule,
            "concurrencyPolicy": "Forbid",
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 3,
            "jobTemplate": {
                "spec": {
                    "backoffLimit": 2,
                    "activeDeadlineSeconds": 3600,
                    "template": {
                        "metadata": {"labels": labels(service, component)},
                        "spec": pod_spec(containers, restart="OnFailure"),
                    },
                }
            },
        },
    }


def ledger_expiry() -> Doc:
    """Every minute: void the finance ledger's pending transfers past their timeout (a late post or void is
    refused meanwhile, so a minute's delay releases the reservation later, never wrongly)."""
    expire = container(
        "expire-pending", ["python", "-m", "services.finance", "expire-pending"], service_env("finance")
    )
    cron = _cron("finance-ledger-expiry", "finance", "ledger-expiry", "* * * * *", [expire])
    cron["spec"]["jobTemplate"]["spec"]["activeDeadlineSeconds"] = 300
    return cron


def contribution_dues() -> Doc:
    """Daily: remind partners of instalments falling due within two weeks and flag those past their date as
    arrears (each once: a rerun the same day tells nobody twice)."""
    dues = container(
        "contribution-dues", ["python", "-m", "services.finance", "dues"], service_env("finance")
    )
    cron = _cron("finance-contribution-dues", "finance", "contribution-dues", "15 6 * * *", [dues])
    cron["spec"]["jobTemplate"]["spec"]["activeDeadlineSeconds"] = 1800
    return cron


def facility_settlement() -> Doc:
    """Weekly: pay each host the facility use its partnerships' cohorts accrued (one transfer per host; a pool
    that cannot pay leaves its charges for the next run)."""
    settle = container(
        "settle-facilities", ["python", "-m", "services.finance", "settle-facilities"], service_env("finance")
    )
    cron = _cron("finance-facility-settlement", "finance", "facility-settlement", "30 5 * * 1", [settle])
    cron["spec"]["jobTemplate"]["spec"]["activeDeadlineSeconds"] = 1800
    return cron


def platform_charges() -> Doc:
    """Daily: pay each digital learning platform's begun periods from the shared pool, split by the contribution
    scale (a period with no scale yet, or a pool that cannot pay, waits for the next run)."""
    charge = container(
        "charge-platforms", ["python", "-m", "services.finance", "charge-platforms"], service_env("finance")
    )
    cron = _cron("finance-platform-charges", "finance", "platform-charges", "45 5 * * *", [charge])
    cron["spec"]["jobTemplate"]["spec"]["activeDeadlineSeconds"] = 1800
    return cron


def audit_anchor(service: str) -> Doc:
    """Hourly: publish the audit chain's head to `<service>.audit-anchors.v1` (outside the database, never
    deleted), then verify the chain against every anchor so far; a rewrite fails the Job, which alerting
    watches. Runs with the service's own credentials: anchoring needs no more."""
    command = ["python", "-m", "backbone.audit"]
    anchor = container("audit-anchor", [*command, "anchor", service], service_env(service))
    check = container("audit-verify", [*command, "verify", service, "--anchors"], service_env(service))
    # The anchor first (an init container), then the check against all anchors, this one included.
    cron = _cron(f"{service}-audit-anchor", service, "audit-anchor", "7 * * * *", [check])
    cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["initContainers"] = [anchor]
    return cron


def audit_purge(service: str) -> Doc:
    """Daily: clear the personal fields of audit entries past the retention period (as the tables' owner, the
    one role allowed to), then verify the chain; a broken chain fails the Job, which alerting watches."""
    owner = secret_env(f"{service.upper()}_MIGRATION_PASSWORD", f"{service}-db", "owner-password")
    purge = container(
        "audit-purge", ["python", "-m", "backbone.audit", "purge", service], [*database(service), owner]
    )
    return _cron(f"{service}-audit-purge", service, "audit-purge", "17 3 * * *", [purge])
