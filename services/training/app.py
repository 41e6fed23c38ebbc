"""The training service: curricula, cohorts, facilities, certifications (later issues); agencies read model."""

from fastapi import FastAPI

from backbone.app import create_service_app
from backbone.settings import load_settings
from services.training.api import router


def create_app() -> FastAPI:
    return create_service_app(
        load_settings("training"),
        title="Training service",
        description="Standards, curricula, cohorts, facilities, instructors and certifications.",
        routers=[router],
    )
