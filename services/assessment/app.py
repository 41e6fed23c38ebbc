"""The assessment service: rubrics, evaluators, assessments, indicators (domain in a later issue)."""

from fastapi import FastAPI

from backbone.app import create_service_app
from backbone.audit.api import router as audit_router
from backbone.auth.policy import authorizer
from backbone.settings import ServiceSettings, load_settings
from services.assessment.policy import POLICY


def build_app(settings: ServiceSettings) -> FastAPI:
    return create_service_app(
        settings,
        title="Assessment service",
        description="Rubrics, external evaluators, assessments, evaluation plans, indicators and public reports.",
        routers=[audit_router],
        authorize=authorizer(POLICY),
    )


def create_app() -> FastAPI:
    return build_app(load_settings("assessment"))
