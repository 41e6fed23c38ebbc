"""The training service: curricula, cohorts, facilities, certifications (later issues); agencies read model."""

from fastapi import FastAPI

from backbone.app import create_service_app
from backbone.audit.api import router as audit_router
from backbone.auth.policy import authorizer
from backbone.settings import ServiceSettings, load_settings
from services.training.agencies.api import router
from services.training.certifications import credentials
from services.training.certifications.api import public_router as credentials_router
from services.training.certifications.api import router as certifications_router
from services.training.cohorts.api import router as cohorts_router
from services.training.communities.api import router as communities_router
from services.training.competencies.api import router as competencies_router
from services.training.curricula.api import router as curricula_router
from services.training.exchanges.api import router as exchanges_router
from services.training.facilities.api import router as facilities_router
from services.training.instructors.api import router as instructors_router
from services.training.learning.api import router as learning_router
from services.training.operations.api import router as operations_router
from services.training.policy import POLICY
from services.training.recognition.api import router as recognition_router
from services.training.revision_requests.api import router as revision_requests_router
from services.training.trainees.api import router as me_router


def build_app(settings: ServiceSettings) -> FastAPI:
    credentials.keystore(settings).ensure()  # no signing key, no start (named in the error)
    return create_service_app(
        settings,
        title="Training service",
        description="Standards, curricula, cohorts, facilities, instructors and certifications.",
        routers=[
            router,
            competencies_router,
            curricula_router,
            cohorts_router,
            learning_router,
            revision_requests_router,
            instructors_router,
            me_router,
            recognition_router,
            communities_router,
            facilities_router,
            certifications_router,
            exchanges_router,
            operations_router,
            audit_router,
        ],
        authorize=authorizer(POLICY),
        public_routers=[credentials_router],
    )


def create_app() -> FastAPI:
    return build_app(load_settings("training", uses_temporal=True))
