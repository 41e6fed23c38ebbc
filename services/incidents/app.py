"""The incidents service: incident protocols, incidents, drills and debriefs (domain in a later issue)."""

from fastapi import FastAPI

from backbone.app import create_service_app
from backbone.settings import load_settings


def create_app() -> FastAPI:
    return create_service_app(
        load_settings("incidents"),
        title="Incidents service",
        description="Incident protocols for training environments, incident response, drills and debriefs.",
    )
