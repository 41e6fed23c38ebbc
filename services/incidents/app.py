"""The incidents service: incident protocols for training environments, incident response, drills, debriefs."""

from fastapi import FastAPI

from backbone.app import create_service_app
from backbone.audit.api import router as audit_router
from backbone.auth.policy import authorizer
from backbone.settings import ServiceSettings, load_settings
from services.incidents.drills.api import router as drills_router
from services.incidents.incidents.api import router
from services.incidents.operations.api import router as operations_router
from services.incidents.policy import POLICY
from services.incidents.protocols.api import router as protocols_router


def build_app(settings: ServiceSettings) -> FastAPI:
    return create_service_app(
        settings,
        title="Incidents service",
        description="Incident protocols for training environments, incident response, drills and debriefs.",
        routers=[protocols_router, router, drills_router, operations_router, audit_router],
        authorize=authorizer(POLICY),
    )


def create_app() -> FastAPI:
    return build_app(load_settings("incidents", uses_temporal=True))
