"""The partners service: countries, agencies, partnerships and their governance."""

from fastapi import FastAPI

from backbone.app import create_service_app
from backbone.audit.api import router as audit_router
from backbone.auth.policy import authorizer
from backbone.settings import ServiceSettings, load_settings
from services.partners.agencies.api import router
from services.partners.capacity.api import router as capacity_router
from services.partners.commitments.api import router as commitments_router
from services.partners.contacts.api import router as contacts_router
from services.partners.decisions.api import router as decisions_router
from services.partners.disputes.api import router as disputes_router
from services.partners.endorsements.api import router as endorsements_router
from services.partners.handling.api import router as handling_router
from services.partners.onboarding.api import router as onboarding_router
from services.partners.operations.api import router as operations_router
from services.partners.partnerships.api import public_router as partnerships_public_router
from services.partners.partnerships.api import router as partnerships_router
from services.partners.policy import POLICY
from services.partners.reciprocity.api import router as reciprocity_router


def build_app(settings: ServiceSettings) -> FastAPI:
    return create_service_app(
        settings,
        title="Partners service",
        description="Countries and their agencies, partnerships, agreements, commitments and their governance.",
        routers=[
            router,
            partnerships_router,
            decisions_router,
            onboarding_router,
            commitments_router,
            capacity_router,
            contacts_router,
            endorsements_router,
            disputes_router,
            reciprocity_router,
            handling_router,
            operations_router,
            audit_router,
        ],
        authorize=authorizer(POLICY),
        public_routers=[partnerships_public_router],
    )


def create_app() -> FastAPI:
    return build_app(load_settings("partners", uses_temporal=True))
