"""The services of the backbone, in one table: what every entry point, the local stack and the manifests read.

The runtime never names a service anywhere else: adding a service is adding a row here (and its package).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    port: int
    """The default HTTP port (overridable by `<NAME>_HTTP_PORT`)."""
    starts_workflows: bool
    """Whether its API or consumer start, signal or update Temporal workflows (so it needs a Temporal client)."""
    consumes_national_inbound: bool = False
    """Whether its consumer reads what national systems report on their inbound topics (`inbound.<cc>.<id>.v1`)."""

    @property
    def package(self) -> str:
        return f"services.{self.name}"

    @property
    def app_factory(self) -> str:
        return f"{self.package}.app:create_app"

    @property
    def handlers_module(self) -> str:
        return f"{self.package}.handlers"

    def handlers(self) -> ModuleType | None:
        """The module mapping the events it consumes to its use cases, or None when it consumes nothing."""
        try:
            return importlib.import_module(self.handlers_module)
        except ModuleNotFoundError as exc:
            if exc.name != self.handlers_module:
                raise
            return None


REGISTRY: tuple[ServiceSpec, ...] = (
    ServiceSpec("partners", 8001, starts_workflows=True),
    ServiceSpec("training", 8002, starts_workflows=True),
    ServiceSpec("finance", 8003, starts_workflows=False),
    ServiceSpec("assessment", 8004, starts_workflows=False, consumes_national_inbound=True),
    ServiceSpec("incidents", 8005, starts_workflows=True),
)
SERVICES: tuple[str, ...] = tuple(spec.name for spec in REGISTRY)
DEFAULT_SERVICE_PORTS: dict[str, int] = {spec.name: spec.port for spec in REGISTRY}


def spec_of(name: str) -> ServiceSpec:
    for spec in REGISTRY:
        if spec.name == name:
            return spec
    raise KeyError(f"no service named {name!r} (known: {', '.join(SERVICES)})")


AUDIENCE_PREFIX = "training-backbone"


def audience_of(service: str) -> str:
    """The token audience a service accepts (one per service: a token for training is refused by partners)."""
    return f"{AUDIENCE_PREFIX}.{service}"


ALL_AUDIENCES: tuple[str, ...] = tuple(audience_of(name) for name in SERVICES)
"""What the development issuer puts in its tokens: a console's or the worker's token is for every service."""
