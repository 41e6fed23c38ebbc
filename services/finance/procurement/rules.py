"""Joint procurement without I/O: which stage allows which step, a bid's value from its unit prices, the
evaluation (who may score which bid, whether every bid has its scores, the ranking that names the winner) and
what the deliveries add up to."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

STEPS: dict[str, frozenset[str]] = {
    "tender": frozenset({"planning"}),
    "bid": frozenset({"tender"}),
    "open_bids": frozenset({"tender"}),
    "declare": frozenset({"evaluation"}),
    "score": frozenset({"evaluation"}),
    "award": frozenset({"evaluation"}),
    "contract": frozenset({"awarded"}),
    "deliver": frozenset({"contracted", "delivering"}),
    "pay": frozenset({"delivering", "delivered"}),
    "cancel": frozenset({"planning", "tender", "evaluation", "awarded"}),
}
"""The stages in which each step may be taken."""

OCDS_TAG = {
    "planning": "planning",
    "tender": "tender",
    "evaluation": "tenderUpdate",
    "unsuccessful": "tenderUpdate",
    "awarded": "award",
    "contracted": "contract",
    "delivering": "implementation",
    "delivered": "implementation",
    "paid": "implementation",
    "cancelled": "tenderCancellation",
}


def allows(step: str, stage: str) -> bool:
    return stage in STEPS[step]


def bid_amount(items: Sequence[Mapping[str, Any]], unit_prices: Mapping[str, int]) -> int:
    """The sum of quantity times unit price over the items tendered (every one priced); raises ValueError naming
    a price for an item not tendered."""
    tendered = {item["id"] for item in items}
    unknown = sorted(set(unit_prices) - tendered)
    if unknown:
        raise ValueError(unknown[0])
    return sum(int(item["quantity"]) * int(unit_prices[item["id"]]) for item in items)


@dataclass(frozen=True)
class Score:
    bid_id: uuid.UUID
    evaluator: str
    score: int


@dataclass(frozen=True)
class Ranked:
    bid_id: uuid.UUID
    mean: Fraction
    scores: int
    amount: int


@dataclass(frozen=True)
class Evaluation:
    ranking: list[Ranked]
    """Best first: the highest mean score, then the lower price, then the earlier bid."""
    short_of_scores: list[uuid.UUID]
    """Bids with fewer scores than needed: no award until every bid has them."""

    @property
    def winner(self) -> Ranked | None:
        return self.ranking[0] if self.ranking and not self.short_of_scores else None


def conflicted(interests: Iterable[Mapping[str, Any]]) -> frozenset[uuid.UUID]:
    """The bids an evaluator declared an interest in (it may not score them)."""
    return frozenset(uuid.UUID(str(interest["bid_id"])) for interest in interests)


def evaluate(bids: Sequence[tuple[uuid.UUID, int]], scores: Iterable[Score], *, needed: int) -> Evaluation:
    """`bids` as (id, amount) in the order received; every bid ranked by the mean of its scores."""
    by_bid: dict[uuid.UUID, list[int]] = {bid_id: [] for bid_id, _ in bids}
    for score in scores:
        by_bid[score.bid_id].append(score.score)
    order = {bid_id: index for index, (bid_id, _) in enumerate(bids)}
    ranking = [
        Ranked(bid_id, Fraction(sum(got), len(got)) if got else Fraction(0), len(got), amount)
        for (bid_id, amount), got in zip(bids, by_bid.values(), strict=True)
    ]
    ranking.sort(key=lambda r: (-r.mean, r.amount, order[r.bid_id]))
    return Evaluation(ranking, [r.bid_id for r in ranking if r.scores < needed])


def delivered(lines: Iterable[Iterable[Mapping[str, Any]]]) -> dict[str, int]:
    """Quantity delivered per item over all deliveries (each a list of lines)."""
    total: dict[str, int] = {}
    for delivery in lines:
        for line in delivery:
            total[line["item_id"]] = total.get(line["item_id"], 0) + int(line["quantity"])
    return total


def excess(
    items: Sequence[Mapping[str, Any]], so_far: Mapping[str, int], lines: Sequence[Mapping[str, Any]]
) -> int | None:
    """The index of the first line that delivers an item not ordered or more than the order leaves, or None."""
    ordered = {item["id"]: int(item["quantity"]) for item in items}
    running = dict(so_far)
    for index, line in enumerate(lines):
        item = line["item_id"]
        running[item] = running.get(item, 0) + int(line["quantity"])
        if item not in ordered or running[item] > ordered[item]:
            return index
    return None


def complete(items: Sequence[Mapping[str, Any]], so_far: Mapping[str, int]) -> bool:
    return all(so_far.get(item["id"], 0) >= int(item["quantity"]) for item in items)


def value_of(lines: Iterable[Mapping[str, Any]], unit_prices: Mapping[str, int]) -> int:
    return sum(int(line["quantity"]) * int(unit_prices[line["item_id"]]) for line in lines)
