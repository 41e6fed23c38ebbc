from __future__ import annotations

import secrets

import pytest

from devstack import kafka
from devstack.tokens import safe_token


def test_a_token_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = iter(["-dash", "-again", "plain"])
    monkeypatch.setattr(secrets, "token_urlsafe", lambda nbytes: next(drawn))

    assert safe_token(24) == "plain"


def test_a_cluster_id_is_22_base64url_characters_without_a_leading_dash() -> None:
    ids = {kafka.new_cluster_id() for _ in range(500)}  # one draw in 64 starts with '-' before the redraw

    assert len(ids) == 500
    assert all(len(i) == 22 and not i.startswith("-") for i in ids)
    assert all(set(i) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") for i in ids)
