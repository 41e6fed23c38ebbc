"""The finance service: shared budgets, contributions, ledger (domain in a later issue)."""

from fastapi import FastAPI

from backbone.app import create_service_app
from backbone.settings import load_settings


def create_app() -> FastAPI:
    return create_service_app(
        load_settings("finance"),
        title="Finance service",
        description="Shared budgets of partnerships, contributions, payments, grants, spending and the ledger.",
    )
