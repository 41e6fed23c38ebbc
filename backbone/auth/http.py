"""Authentication of every API route: `Authorization: Bearer <JWT>`, or 401 problem+json.

`create_service_app` puts `authenticate` in front of every router it includes (health, readiness, metrics and
docs stay open). The principal is kept on `request.state.principal` for authorisation and the audit log.
A refused token is logged with the reason; the caller only hears that it is not acceptable.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, Request, params
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from backbone.auth.principal import CALLER, ORIGIN, PRINCIPAL, Principal
from backbone.auth.tokens import InvalidToken, TokenVerifier, VerifierConfig
from backbone.db import NO_TENANT, SYSTEM_TENANT, TENANT
from backbone.errors import DomainError
from backbone.settings import ServiceSettings

log = logging.getLogger(__name__)
bearer_scheme = HTTPBearer(auto_error=False, description="A JWT from the partners' identity provider")


class Unauthenticated(DomainError):
    status, code, title = 401, "unauthenticated", "Authentication required"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


class Forbidden(DomainError):
    status, code, title = 403, "forbidden", "Not allowed"


def acting_country(principal: Principal | None, refusal: str) -> str:
    """The country the caller acts for; 403 with `refusal` when it acts for none (a platform client)."""
    if principal is None or principal.country is None:
        raise Forbidden(refusal)
    return principal.country


def verifier_for(settings: ServiceSettings) -> TokenVerifier:
    assert settings.auth_jwks_url is not None and settings.auth_audience is not None
    return TokenVerifier(
        VerifierConfig(
            issuer=settings.auth_issuer,
            audience=settings.auth_audience,
            client_claim=(settings.auth_client_claim, settings.auth_client_claim_value),
            jwks_url=settings.auth_jwks_url,
            algorithms=tuple(settings.auth_algorithms),
            leeway_seconds=settings.auth_leeway_seconds,
        )
    )


async def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal | None:
    runtime = request.app.state.runtime
    if runtime.settings.auth_mode == "off":
        request.state.principal = None
        TENANT.set(SYSTEM_TENANT)  # development and test only: no tenant to confine the request to
        return None
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("Send a bearer token: Authorization: Bearer <JWT>.")
    try:
        verifier: TokenVerifier = runtime.verifier
        principal = await verifier.verify(credentials.credentials)
    except InvalidToken as exc:
        log.warning("token refused", extra={"reason": str(exc), "path": request.url.path})
        raise Unauthenticated("The bearer token is not acceptable.") from exc
    request.state.principal = principal
    CALLER.set(principal.subject)
    PRINCIPAL.set(principal)
    ORIGIN.set(request.client.host if request.client else None)
    # Row-level security: a person sees their country's rows; the platform's machine clients see all.
    if principal.country:
        TENANT.set(principal.country)
    else:
        TENANT.set(SYSTEM_TENANT if principal.has_scope(WORKFLOWS_SCOPE) else NO_TENANT)
    return principal


CurrentPrincipal = Annotated[Principal | None, Depends(authenticate)]


def require_scope(scope: str) -> params.Depends:
    """A route dependency: machine clients holding `scope` only (the workflows' calls into a service)."""

    async def check(principal: CurrentPrincipal) -> None:
        if principal is None:  # authentication is off (development or test only)
            return
        if principal.kind != "client" or not principal.has_scope(scope):
            raise Forbidden(f"This operation is reserved to clients with the {scope!r} scope.")

    dependency: params.Depends = Depends(check)
    return dependency


WORKFLOWS_SCOPE = "backbone:workflows"
WorkflowsOnly = require_scope(WORKFLOWS_SCOPE)
