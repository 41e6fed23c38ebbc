"""Activity doubles of the finance API for FundingTrancheWorkflow, under the real activities' names; each call is
kept with the workflow time at which it was scheduled."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from temporalio import activity

from workflows.funding_tranche.shared import TrancheCall


@dataclass
class FinanceDouble:
    calls: list[tuple[datetime, str, TrancheCall]] = field(default_factory=list)

    def _keep(self, name: str, call: TrancheCall) -> str:
        self.calls.append((activity.info().scheduled_time, name, call))
        return name

    @activity.defn(name="reserve_tranche")
    async def reserve(self, call: TrancheCall) -> str:
        return self._keep("reserved", call)

    @activity.defn(name="release_tranche")
    async def release(self, call: TrancheCall) -> str:
        return self._keep("released", call)

    @activity.defn(name="void_tranche")
    async def void(self, call: TrancheCall) -> str:
        return self._keep("voided", call)

    def names(self) -> list[str]:
        return [name for _, name, _ in self.calls]

    def at(self, name: str) -> datetime:
        return next(when for when, called, _ in self.calls if called == name)

    def activities(self) -> list[Callable[..., Any]]:
        return [self.reserve, self.release, self.void]
