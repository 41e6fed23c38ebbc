"""The development issuer's people: whom its sign-in page offers, so a fresh `make run` can be tried at once.

Subjects are stable (`delegate.fr`), so the demo world (devstack/demo.py) and the browser tests can seat them on
an oversight body. `locale` and `zoneinfo` are the standard OpenID Connect claims the console formats with.
Nothing here exists in production: a real identity provider knows the real people.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    subject: str
    name: str
    roles: tuple[str, ...]
    country: str
    locale: str
    zoneinfo: str

    @property
    def description(self) -> str:
        return f"{', '.join(role.replace('_', ' ') for role in self.roles)} · {self.country}"


PEOPLE: tuple[Person, ...] = (
    Person("delegate.fr", "Claire Dubois", ("oversight_member",), "FR", "fr", "Europe/Paris"),
    Person("delegate.sn", "Aminata Diallo", ("oversight_member",), "SN", "fr", "Africa/Dakar"),
    Person("delegate.br", "Rafael Souza", ("oversight_member",), "BR", "en", "America/Sao_Paulo"),
    Person(
        "coordinator.fr",
        "Julien Moreau",
        ("national_coordinator", "programme_coordinator"),
        "FR",
        "fr",
        "Europe/Paris",
    ),
    Person("coordinator.sn", "Moussa Ndiaye", ("national_coordinator",), "SN", "fr", "Africa/Dakar"),
    Person("coordinator.br", "Beatriz Lima", ("national_coordinator",), "BR", "en", "America/Sao_Paulo"),
    Person("operator.fr", "Élise Laurent", ("operations_staff",), "FR", "fr", "Europe/Paris"),
    Person("operator.sn", "Ibrahima Fall", ("operations_staff",), "SN", "fr", "Africa/Dakar"),
    Person("auditor.fr", "Marc Petit", ("auditor",), "FR", "en", "Europe/Paris"),
    Person(
        "coordinator.ke",
        "Wanjiru Kamau",
        ("national_coordinator", "operations_staff", "oversight_member"),
        "KE",
        "en",
        "Africa/Nairobi",
    ),
)


def person(subject: str) -> Person | None:
    return next((p for p in PEOPLE if p.subject == subject), None)
