"""The finance service: the partnerships' ledgers (accounts, balanced transfers, two-phase reservations) and
the use of shared facilities, learnt from training's events; budgets adopted by the oversight body and the
contributions computed from them."""

from fastapi import FastAPI

from backbone.app import create_service_app
from backbone.audit.api import router as audit_router
from backbone.auth.policy import authorizer
from backbone.settings import ServiceSettings, load_settings
from services.finance import metrics
from services.finance.budgets.api import router as budgets_router
from services.finance.contributions.api import router as contributions_router
from services.finance.grants.api import router as grants_router
from services.finance.ledger.api import router as ledger_router
from services.finance.policy import POLICY
from services.finance.procurement.api import router as procurement_router
from services.finance.spending.api import router as spending_router
from services.finance.tranches.api import router as tranches_router
from services.finance.transparency.api import public_router as transparency_public_router
from services.finance.transparency.api import router as transparency_router
from services.finance.usage.api import router


def build_app(settings: ServiceSettings) -> FastAPI:
    return create_service_app(
        settings,
        title="Finance service",
        description="Shared budgets of partnerships, contributions, payments, grants, spending, joint procurement "
        "and the ledger.",
        routers=[
            router,
            ledger_router,
            budgets_router,
            contributions_router,
            tranches_router,
            transparency_router,
            spending_router,
            grants_router,
            procurement_router,
            audit_router,
        ],
        authorize=authorizer(POLICY),
        public_routers=[transparency_public_router],
        gauges=[metrics.refresh],
    )


def create_app() -> FastAPI:
    return build_app(load_settings("finance"))
