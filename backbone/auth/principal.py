"""The authenticated caller: a person (roles in a country and agency) or a machine client (scopes)."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Literal, get_args

Role = Literal[
    "agency_integrator",
    "national_coordinator",
    "oversight_member",
    "programme_coordinator",
    "instructor",
    "evaluator",
    "trainee",
    "operations_staff",
    "auditor",
    "national_system",
]
ROLES: frozenset[str] = frozenset(get_args(Role))


@dataclass(frozen=True)
class Principal:
    subject: str
    kind: Literal["user", "client"]
    roles: frozenset[str] = field(default_factory=frozenset)
    country: str | None = None
    """ISO 3166-1 alpha-2 code of the tenant's country; None only for clients acting for the platform."""
    agency: str | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    token_id: str | None = None

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


CALLER: ContextVar[str | None] = ContextVar("backbone_caller", default=None)
"""The authenticated subject of the current request (set by authentication), for what is kept per caller."""

PRINCIPAL: ContextVar[Principal | None] = ContextVar("backbone_principal", default=None)
"""The authenticated caller of the current request (None for the platform's own work), for the audit log."""
ORIGIN: ContextVar[str | None] = ContextVar("backbone_origin", default=None)
"""Where the current request came from (the peer address the server saw), for the audit log."""
