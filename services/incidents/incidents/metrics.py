"""The incidents service's Prometheus counters, labelled `exercise` so dashboards can leave drills out."""

from __future__ import annotations

from prometheus_client import Counter

from services.incidents.models import (
    Incident,
)

DECLARED = Counter("incidents_declared_total", "Incidents declared", ["kind", "severity", "exercise"])

RESOLVED = Counter("incidents_resolved_total", "Incidents resolved", ["kind", "exercise"])


def declared(incident: Incident) -> None:
    DECLARED.labels(incident.kind, incident.severity, str(incident.exercise).lower()).inc()


def resolved(incident: Incident) -> None:
    RESOLVED.labels(incident.kind, str(incident.exercise).lower()).inc()
