"""Route-level authorisation: one rule per route (method + path template), checked before the route runs.

A rule names the roles allowed (function level) and how the route's object is tied to a tenant (object level):
`public` (any signed-in caller of those roles), `tenant` (a resolver maps the path's ids to the countries the
object belongs to or is shared with; the caller's country must be one of them), `platform` (no tenant: the
platform's operators), or `workflows` (the workflows' machine client only). A caller outside the tenant gets the
same 404 as for an id that does not exist, so ids of other tenants' objects cannot be probed; a caller inside
the tenant without the role gets 403. Every denial is logged. A route without a rule is refused (deny by
default), and the rule table is tested to cover every route.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from fastapi import Depends, Request, params
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.audit.log import append
from backbone.auth.http import WORKFLOWS_SCOPE, CurrentPrincipal, Forbidden
from backbone.auth.principal import ROLES, Principal
from backbone.errors import NotFound
from rules.releasability import EVERYONE

log = logging.getLogger(__name__)

ANY_ROLE = frozenset(ROLES)
AGENCY_BOUND = frozenset({"agency_integrator"})
"""Roles that act for their own agency only (the token's `agency`), wherever a route names an agency."""
Scope = Literal["public", "tenant", "platform", "workflows"]
Resolver = Callable[[AsyncSession, str], Awaitable[frozenset[str] | None]]
"""Countries an object belongs to or is shared with, from its id; None when there is no such object."""
Owner = Callable[[AsyncSession, str], Awaitable[str | None]]
"""The one country whose data an object is (its audit entries are filed under it), from its id."""
Row = TypeVar("Row")


def object_id(value: str) -> uuid.UUID | None:
    """A path's id as a UUID; None for a malformed one (the route then refuses it itself, 422)."""
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def row_countries(model: type[Row], countries: Callable[[Row], Iterable[str]]) -> Resolver:
    """The resolver of a table's rows: the row with the path's id, and the countries it belongs to."""

    async def resolve(session: AsyncSession, value: str) -> frozenset[str] | None:
        key = object_id(value)
        found = await session.get(model, key) if key else None
        return frozenset(countries(found)) if found is not None else None

    return resolve


def row_owner(model: type[Row], owner: Callable[[Row], str]) -> Owner:
    """The owner of a table's rows: the row with the path's id, and the country whose data it is."""

    async def resolve(session: AsyncSession, value: str) -> str | None:
        key = object_id(value)
        found = await session.get(model, key) if key else None
        return owner(found) if found is not None else None

    return resolve


@dataclass(frozen=True)
class Rule:
    scope: Scope
    roles: frozenset[str] = ANY_ROLE
    resolve: tuple[str, str] | None = None
    """For `tenant`: (path parameter, resolver name) — e.g. ("partnership_id", "partnership")."""
    workflows_too: bool = False
    """The workflows' machine client may also call it (the routes their activities use)."""
    steer: str | None = None
    """For `tenant` writes: a resolver of the countries that may change the object (its originator, the holders of
    its roles, ...), narrower than those that see it. Another country that sees it gets 403."""


@dataclass(frozen=True)
class Policy:
    rules: Mapping[tuple[str, str], Rule]
    resolvers: Mapping[str, Resolver]
    not_found_codes: Mapping[str, str]
    """Per resolver, the code of the 404 a missing object gets, so an outsider's 404 looks the same."""
    owners: Mapping[str, Owner] = field(default_factory=dict)
    """Per resolver of a route that reads, whose data the object is: a read is filed under that country in the
    audit trail (and under the reader's as its second key), so the owner's auditors see who read their data."""


def is_workflows_client(principal: Principal) -> bool:
    return principal.kind == "client" and principal.has_scope(WORKFLOWS_SCOPE)


def deny(request: Request, principal: Principal, why: str) -> None:
    log.warning(
        "access denied",
        extra={"subject": principal.subject, "path": request.url.path, "method": request.method, "why": why},
    )


def authorizer(policy: Policy) -> params.Depends:
    async def authorize(request: Request, principal: CurrentPrincipal) -> None:
        if principal is None:  # authentication off: development and test only
            return
        route = request.scope.get("route")
        template = getattr(route, "path", request.url.path)
        rule = policy.rules.get((request.method, template))
        if rule is None:
            deny(request, principal, "no rule for this route")
            raise Forbidden("This operation is not available to you.")
        if is_workflows_client(principal):
            if rule.scope == "workflows" or rule.workflows_too:
                return
            deny(request, principal, "workflows client outside its routes")
            raise Forbidden("This operation is not available to this client.")
        if rule.scope == "workflows" or not principal.roles or principal.country is None:
            deny(request, principal, f"{principal.kind} on a {rule.scope} route")
            raise Forbidden("This operation is not available to you.")
        owner: str | None = None
        if rule.scope == "tenant":
            assert rule.resolve is not None
            parameter, resolver = rule.resolve
            value = request.path_params[parameter]
            async with request.app.state.runtime.sessions() as session, session.begin():
                # Whose object it is, asked as the platform: row-level security would hide it from an
                # outsider, whose request would then reach the route and fail differently from a 404.
                await session.execute(text("SELECT set_config('backbone.tenant', '*', true)"))
                countries = await policy.resolvers[resolver](session, str(value))
                inside = countries is None or principal.country in countries or EVERYONE in countries
                # Who may change what the caller sees, in the same platform session (writes on shared objects).
                steer = rule.steer if countries is not None and inside else None
                stewards = await policy.resolvers[steer](session, str(value)) if steer else None
                if inside and request.method == "GET":  # the read is audited under the data's owner
                    owner = await _owner(policy, resolver, session, str(value), countries)
            if not inside:
                deny(request, principal, f"outside the tenant of {resolver} {value}")
                raise NotFound(f"No {resolver} with id {value}.", code=policy.not_found_codes[resolver])
            if steer and (stewards is None or principal.country not in stewards):
                deny(request, principal, f"sees but does not steer {resolver} {value}")
                raise Forbidden(
                    "Seeing this is not steering it: only the countries that steer it may change it.",
                    code="not_steering",
                )
        allowed = principal.roles & rule.roles
        if not allowed:
            deny(request, principal, f"roles {sorted(principal.roles)} not in {sorted(rule.roles)}")
            raise Forbidden("Your role does not allow this operation.")
        agency = request.path_params.get("agency_id")
        if agency is not None and allowed <= AGENCY_BOUND and principal.agency != str(agency):
            deny(request, principal, "agency-bound role on another agency")
            raise Forbidden("You act for your own agency only.")
        if rule.scope == "tenant" and request.method == "GET":
            await _audit_read(request, rule, template, owner)

    dependency: params.Depends = Depends(authorize)
    return dependency


async def _owner(
    policy: Policy, resolver: str, session: AsyncSession, value: str, countries: frozenset[str] | None
) -> str | None:
    if resolver in policy.owners:
        return await policy.owners[resolver](session, value)
    if countries is not None and len(countries) == 1 and EVERYONE not in countries:
        return next(iter(countries))  # an object of one country is that country's
    return None


async def _audit_read(request: Request, rule: Rule, template: str, owner: str | None) -> None:
    """Tenant-confined content is above `public`: every read of it by id leaves an audit entry, filed under the
    country whose data it is (the reader's country is the entry's second key)."""
    assert rule.resolve is not None
    parameter, resolver = rule.resolve
    async with request.app.state.runtime.sessions() as session, session.begin():
        await append(
            session,
            action=f"read:{resolver}",
            object_type=resolver,
            object_id=str(request.path_params[parameter]),
            tenant=owner,
            details={"route": template},
        )


def require_country(
    principal: Principal | None, country: str, *, roles: frozenset[str], field: str, agency: str | None = None
) -> None:
    """For rules that depend on the body: the caller acts for `country` (and, if agency-bound, `agency`)."""
    if principal is None or is_workflows_client(principal):
        return
    allowed = principal.roles & roles
    bound_elsewhere = (
        bool(allowed) and allowed <= AGENCY_BOUND and agency is not None and principal.agency != agency
    )
    if principal.country != country.upper() or not allowed or bound_elsewhere:
        raise Forbidden(
            f"Only {' or '.join(sorted(roles))} of {country.upper()} may do this.",
            errors=[{"field": field, "in": "body", "code": "other_tenant", "message": "not your country"}],
        )
