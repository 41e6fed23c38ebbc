"""The assessment service: rubrics, evaluators, assessments, indicators (domain in a later issue)."""

from fastapi import FastAPI

from backbone.app import create_service_app
from backbone.settings import load_settings


def create_app() -> FastAPI:
    return create_service_app(
        load_settings("assessment"),
        title="Assessment service",
        description="Rubrics, external evaluators, assessments, evaluation plans, indicators and public reports.",
    )
