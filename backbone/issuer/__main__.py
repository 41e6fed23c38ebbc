"""`python -m backbone.issuer token|rotate|retire|client|serve|jwks` (`make token ROLE=... COUNTRY=...`)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import uvicorn

from backbone.issuer.keys import KeyStore, user_claims
from backbone.issuer.server import build_issuer_app
from backbone.registry import ALL_AUDIENCES, audience_of
from devstack.config import StackConfig

AUDIENCE: str | list[str] = (
    os.environ["ISSUER_AUDIENCES"].split(",") if os.environ.get("ISSUER_AUDIENCES") else list(ALL_AUDIENCES)
)
"""Every service's audience (a person's token, as a console would hold), unless told otherwise."""


def main(argv: list[str] | None = None) -> int:
    config = StackConfig.from_env()
    issuer = os.environ.get("BACKBONE_AUTH_ISSUER", config.issuer_url)
    store = KeyStore(config.state_dir / "issuer")
    parser = argparse.ArgumentParser(prog="python -m backbone.issuer", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    token = commands.add_parser("token", help="print a signed user token")
    token.add_argument("--role", action="append", required=True, help="repeat for several roles")
    token.add_argument("--country", required=True, help="ISO 3166-1 alpha-2")
    token.add_argument("--agency", help="the agency id (UUID) the user works for")
    token.add_argument("--sub", help="the user's subject (default: <role>@<country>)")
    token.add_argument("--ttl", type=int, default=3600, help="seconds until it expires")
    token.add_argument("--for", dest="services", action="append", help="only for this service (repeatable)")
    commands.add_parser("rotate", help="create a new signing key and make it current")
    retire = commands.add_parser("retire", help="stop publishing an old key (its tokens stop verifying)")
    retire.add_argument("kid")
    client = commands.add_parser("client", help="register a machine client; prints its secret")
    client.add_argument("--id", required=True)
    client.add_argument("--scope", action="append", required=True)
    client.add_argument("--secret", help="use this secret instead of a random one")
    client.add_argument("--country", help="the country a partner's integration acts for")
    client.add_argument("--agency", help="the agency it acts for")
    serve = commands.add_parser("serve", help="serve the JWKS and the token endpoint")
    serve.add_argument("--host", default=config.host)
    serve.add_argument("--port", type=int, default=config.issuer_port)
    commands.add_parser("jwks", help="print the published keys")
    signing = commands.add_parser(
        "signing-key", help="add a signing key to a folder and make it current (for a Kubernetes Secret)"
    )
    signing.add_argument("--into", required=True, help="the folder: <kid>.pem and current, side by side")
    args = parser.parse_args(argv)

    if args.command == "token":
        claims = user_claims(
            issuer=issuer,
            audience=[audience_of(s) for s in args.services] if args.services else AUDIENCE,
            subject=args.sub or f"{args.role[0]}@{args.country.upper()}",
            roles=args.role,
            country=args.country.upper(),
            agency=args.agency,
            ttl_seconds=args.ttl,
        )
        print(store.sign(claims))
    elif args.command == "signing-key":
        folder = Path(args.into)
        folder.mkdir(parents=True, exist_ok=True)
        print(KeyStore(folder, generate=False).rotate())
    elif args.command == "rotate":
        print(store.rotate())
    elif args.command == "retire":
        store.retire(args.kid)
    elif args.command == "client":
        country = args.country.upper() if args.country else None
        print(
            store.register_client(
                args.id, args.scope, secret=args.secret, country=country, agency=args.agency
            )
        )
    elif args.command == "jwks":
        print(json.dumps(store.jwks(), indent=2))
    elif args.command == "serve":
        store.ensure()
        uvicorn.run(build_issuer_app(store, issuer=issuer, audience=AUDIENCE), host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
