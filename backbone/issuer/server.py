"""The development issuer over HTTP: OpenID discovery, the JWKS and an OAuth2 client-credentials token endpoint."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Form
from fastapi.responses import JSONResponse

from backbone.issuer.keys import KeyStore, client_claims

TOKEN_TTL_SECONDS = 900


def build_issuer_app(store: KeyStore, *, issuer: str, audience: str | list[str]) -> FastAPI:
    app = FastAPI(title="Development token issuer", docs_url=None, redoc_url=None)

    @app.get("/.well-known/openid-configuration")
    async def discovery() -> dict[str, Any]:
        return {
            "issuer": issuer,
            "jwks_uri": f"{issuer}/jwks.json",
            "token_endpoint": f"{issuer}/token",
            "grant_types_supported": ["client_credentials"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    @app.get("/jwks.json")
    async def jwks() -> JSONResponse:
        return JSONResponse(store.jwks(), headers={"Cache-Control": "public, max-age=60"})

    @app.post("/token")
    async def token(
        grant_type: Annotated[str, Form()],
        client_id: Annotated[str, Form()],
        client_secret: Annotated[str, Form()],
        scope: Annotated[str | None, Form()] = None,
    ) -> JSONResponse:
        if grant_type != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        client = store.client(client_id, client_secret)
        if client is None:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        allowed = list(client["scopes"])
        wanted = scope.split() if scope else allowed
        if not set(wanted) <= set(allowed):
            return JSONResponse({"error": "invalid_scope"}, status_code=400)
        claims = client_claims(
            issuer=issuer,
            audience=audience,
            client_id=client_id,
            scopes=wanted,
            ttl_seconds=TOKEN_TTL_SECONDS,
            country=client.get("country"),
            agency=client.get("agency"),
        )
        return JSONResponse(
            {"access_token": store.sign(claims), "token_type": "Bearer", "expires_in": TOKEN_TTL_SECONDS},
            headers={"Cache-Control": "no-store"},
        )

    return app
