"""Random tokens that are safe to pass as command-line arguments."""

from __future__ import annotations

import secrets


def safe_token(nbytes: int) -> str:
    """`secrets.token_urlsafe`, redrawn while it starts with '-': a tool or a user pasting it after a flag would
    read it as an option (a cluster id did, one in 64, and failed a CI run; then a Kafka password did)."""
    while True:
        token = secrets.token_urlsafe(nbytes)
        if not token.startswith("-"):
            return token
