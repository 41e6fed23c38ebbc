"""The partners service: countries, agencies, and (in later issues) partnerships and their governance."""

from fastapi import FastAPI

from backbone.app import create_service_app
from backbone.settings import load_settings
from services.partners.api import router


def create_app() -> FastAPI:
    settings = load_settings("partners", uses_temporal=True)
    return create_service_app(
        settings,
        title="Partners service",
        description="Countries and their agencies, partnerships, agreements, commitments and their governance.",
        routers=[router],
    )
