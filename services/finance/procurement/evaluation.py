"""The evaluation of opened bids by the tender's panel: each evaluator first declares its interests in the
bidders (once), then scores each bid it has no interest in (once); the ranking follows the mean scores."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict, DomainError, field_problem
from backbone.idempotency import Outcome
from services.finance.partnerships import HANDLING
from services.finance.procurement import rules, stages
from services.finance.procurement.models import BidScore, EvaluatorDeclaration, Procurement
from services.finance.procurement.schemas import (
    DeclarationIn,
    DeclarationOut,
    EvaluationOut,
    RankedOut,
    ScoreIn,
    ScoreOut,
)


@dataclass(frozen=True)
class Evaluator:
    """Who calls: the token's subject and country (checked against the tender's panel)."""

    subject: str
    country: str | None


def _on_panel(procurement: Procurement, who: Evaluator) -> str:
    """The evaluator's country, if it is on the panel."""
    if (
        who.country is None
        or {"subject": who.subject, "country_code": who.country} not in procurement.evaluators
    ):
        raise DomainError(
            "Only the tender's evaluators declare and score, each for its own country.",
            status=403,
            code="not_on_panel",
        )
    return who.country


async def declare(
    session: AsyncSession,
    *,
    procurement_id: uuid.UUID,
    who: Evaluator,
    body: DeclarationIn,
) -> Outcome:
    """201; the same declaration again 200; another one 409 (a declaration stands once scores follow it)."""
    async with session.begin():
        procurement = await stages.get(session, procurement_id)
        country, subject = _on_panel(procurement, who), who.subject
        interests = [i.model_dump(mode="json") for i in body.interests]
        found = await session.get(EvaluatorDeclaration, (procurement_id, subject))
        if found is not None:
            if found.interests != interests:
                raise Conflict("The evaluator has declared otherwise already.", code="declaration_made")
            return Outcome(200, _declaration_view(found).model_dump(mode="json"))
        stages.require(procurement, "declare")
        bids = {b.id for b in await stages.bids_of(session, procurement_id)}
        for index, interest in enumerate(body.interests):
            if interest.bid_id not in bids:
                raise field_problem(
                    f"interests.{index}.bid_id", "bid_not_in_procurement", "No such bid in this tender."
                )
        declaration = EvaluatorDeclaration(
            procurement_id=procurement_id,
            evaluator_subject=subject,
            evaluator_country_code=country,
            partnership_id=procurement.partnership_id,
            interests=interests,
            handling_code=HANDLING,
            declared_at=datetime.now(UTC),
        )
        session.add(declaration)
        await session.flush()
        return Outcome(201, _declaration_view(declaration).model_dump(mode="json"))


async def score(
    session: AsyncSession, *, procurement_id: uuid.UUID, who: Evaluator, body: ScoreIn
) -> Outcome:
    """201; the same score again 200; another score of the same bid by the same evaluator 409."""
    async with session.begin():
        procurement = await stages.get(session, procurement_id)
        country, subject = _on_panel(procurement, who), who.subject
        bids = {b.id for b in await stages.bids_of(session, procurement_id)}
        if body.bid_id not in bids:
            raise field_problem("bid_id", "bid_not_in_procurement", "No such bid in this tender.")
        found = await session.get(BidScore, (body.bid_id, subject))
        if found is not None:
            if (found.score, found.rationale) != (body.score, body.rationale):
                raise Conflict("The evaluator has scored this bid already.", code="already_scored")
            return Outcome(200, _score_view(found).model_dump(mode="json"))
        stages.require(procurement, "score")
        declaration = await session.get(EvaluatorDeclaration, (procurement_id, subject))
        if declaration is None:
            raise Conflict(
                "Declare your interests in the bidders before scoring.", code="declaration_missing"
            )
        if body.bid_id in rules.conflicted(declaration.interests):
            raise Conflict(
                "You declared an interest in this bidder: another evaluator scores it.",
                code="conflict_of_interest",
            )
        row = BidScore(
            bid_id=body.bid_id,
            evaluator_subject=subject,
            procurement_id=procurement_id,
            evaluator_country_code=country,
            partnership_id=procurement.partnership_id,
            score=body.score,
            rationale=body.rationale,
            handling_code=HANDLING,
            scored_at=datetime.now(UTC),
        )
        session.add(row)
        await session.flush()
        return Outcome(201, _score_view(row).model_dump(mode="json"))


async def evaluation_of(session: AsyncSession, procurement: Procurement) -> rules.Evaluation:
    bids = await stages.bids_of(session, procurement.id)
    scores = await session.scalars(select(BidScore).where(BidScore.procurement_id == procurement.id))
    return rules.evaluate(
        [(b.id, b.amount) for b in bids],
        [rules.Score(s.bid_id, s.evaluator_subject, s.score) for s in scores],
        needed=procurement.scores_needed or 1,
    )


async def evaluation(session: AsyncSession, *, procurement_id: uuid.UUID) -> EvaluationOut:
    """Where the evaluation stands: the ranking so far, the bids short of scores, who declared."""
    async with session.begin():
        procurement = await stages.get(session, procurement_id)
        if procurement.bids_opened_at is None:
            raise Conflict(
                "The bids are sealed until the tender closes and they are opened.", code="bids_sealed"
            )
        result = await evaluation_of(session, procurement)
        names = {b.id: b.supplier_name for b in await stages.bids_of(session, procurement_id)}
        declared = set(
            await session.scalars(
                select(EvaluatorDeclaration.evaluator_subject).where(
                    EvaluatorDeclaration.procurement_id == procurement_id
                )
            )
        )
        panel = [e["subject"] for e in procurement.evaluators]
        running = procurement.stage == "evaluation"
        return EvaluationOut(
            procurement_id=procurement_id,
            scores_needed=procurement.scores_needed or 1,
            ranking=[
                RankedOut(
                    bid_id=r.bid_id,
                    supplier_name=names[r.bid_id],
                    amount=r.amount,
                    mean_score=None if running else _two_places(r.mean),
                    scores=r.scores,
                )
                for r in result.ranking
            ],
            short_of_scores=result.short_of_scores,
            declared=[s for s in panel if s in declared],
            undeclared=[s for s in panel if s not in declared],
        )


async def scores(session: AsyncSession, *, procurement_id: uuid.UUID) -> list[ScoreOut]:
    """Once the evaluation is over (until then each evaluator scores without seeing the others')."""
    async with session.begin():
        procurement = await stages.get(session, procurement_id)
        if procurement.bids_opened_at is None or procurement.stage == "evaluation":
            raise Conflict(
                "Scores are shown once the evaluation is over; evaluators score independently.",
                code="evaluation_running",
            )
        rows = await session.scalars(
            select(BidScore)
            .where(BidScore.procurement_id == procurement_id)
            .order_by(BidScore.scored_at, BidScore.bid_id)
        )
        return [_score_view(r) for r in rows]


def _two_places(mean: Fraction) -> str:
    return str((Decimal(mean.numerator) / Decimal(mean.denominator)).quantize(Decimal("0.01")))


def _declaration_view(row: EvaluatorDeclaration) -> DeclarationOut:
    return DeclarationOut.model_validate(row, from_attributes=True)


def _score_view(row: BidScore) -> ScoreOut:
    return ScoreOut.model_validate(row, from_attributes=True)
