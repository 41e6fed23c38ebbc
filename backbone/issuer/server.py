"""The development issuer over HTTP: OpenID discovery, the JWKS, OAuth2 client credentials for machines and the
authorization code flow with PKCE for people (authorize.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from backbone.issuer.authorize import CodeFlow, authorize_refusal
from backbone.issuer.keys import KeyStore, client_claims

TOKEN_TTL_SECONDS = 900
AUTHORIZE_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
)


def build_issuer_app(store: KeyStore, *, issuer: str, audience: str | list[str]) -> FastAPI:
    app = FastAPI(title="Development token issuer", docs_url=None, redoc_url=None)
    flow = CodeFlow(store, issuer=issuer, audience=audience)

    @app.get("/.well-known/openid-configuration")
    async def discovery() -> dict[str, Any]:
        return {
            "issuer": issuer,
            "jwks_uri": f"{issuer}/jwks.json",
            "token_endpoint": f"{issuer}/token",
            "authorization_endpoint": f"{issuer}/authorize",
            "end_session_endpoint": f"{issuer}/logout",
            "grant_types_supported": ["client_credentials", "authorization_code"],
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
            "subject_types_supported": ["public"],
            "scopes_supported": ["openid", "profile"],
            "claims_supported": ["sub", "name", "locale", "zoneinfo", "roles", "country"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    @app.get("/jwks.json")
    async def jwks() -> JSONResponse:
        return JSONResponse(store.jwks(), headers={"Cache-Control": "public, max-age=60"})

    def refused(params: dict[str, str]) -> Response | None:
        # An unknown client or redirect URI is answered here, never redirected to (RFC 6749 §4.1.2.1).
        refusal = flow.refusal(params.get("client_id", ""), params.get("redirect_uri", ""))
        if refusal is not None:
            return HTMLResponse(f"<!doctype html><title>Sign-in refused</title><p>{refusal}</p>", 400)
        problem = authorize_refusal(params)
        if problem is not None:
            return JSONResponse({"error": "invalid_request", "error_description": problem}, 400)
        return None

    @app.get("/authorize", response_model=None)
    async def authorize(request: Request) -> Response:
        params = {k: v for k, v in request.query_params.items() if k in AUTHORIZE_PARAMS}
        return refused(params) or flow.sign_in_page(params)

    @app.post("/authorize", response_model=None)
    async def chosen(request: Request) -> Response:
        form = await request.form()
        params = {k: str(v) for k, v in form.items() if k in AUTHORIZE_PARAMS}
        return refused(params) or flow.issue(params, str(form.get("person", "")))

    @app.get("/logout", response_model=None)
    async def logout(
        client_id: str = "", post_logout_redirect_uri: str = "", state: str | None = None
    ) -> Response:
        client = store.public_client(client_id)
        if client is not None and post_logout_redirect_uri in client["post_logout_redirect_uris"]:
            suffix = f"?state={state}" if state else ""
            return RedirectResponse(post_logout_redirect_uri + suffix, status_code=303)
        return HTMLResponse(
            "<!doctype html><html lang='en'><title>Signed out</title><main><h1>Signed out</h1></main></html>"
        )

    @app.post("/token")
    async def token(
        grant_type: Annotated[str, Form()],
        client_id: Annotated[str, Form()],
        client_secret: Annotated[str | None, Form()] = None,
        scope: Annotated[str | None, Form()] = None,
        code: Annotated[str | None, Form()] = None,
        redirect_uri: Annotated[str | None, Form()] = None,
        code_verifier: Annotated[str | None, Form()] = None,
    ) -> JSONResponse:
        if grant_type == "authorization_code":
            if store.public_client(client_id) is None:
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            if not (code and redirect_uri and code_verifier):
                return JSONResponse(
                    {"error": "invalid_request", "error_description": "code, redirect_uri, code_verifier"},
                    400,
                )
            return flow.exchange(
                code=code, client_id=client_id, redirect_uri=redirect_uri, verifier=code_verifier
            )
        if grant_type != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        client = store.client(client_id, client_secret or "")
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
