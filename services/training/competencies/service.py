"""The competency framework, imported and exported as JSON shaped like IMS CASE (CFDocument, CFItems,
CFAssociations), so that other learning systems can read it. A competency whose content changes gets a new
version; unchanged ones are left alone, so importing the same document twice changes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.training.competencies.schemas import CaseFramework
from services.training.models import Competency

NAMESPACE = uuid.UUID("6f1c5a8e-2d4b-4f8e-9a51-3b7d0c2e9f10")
"""CASE identifiers are UUIDs: derived from the stable code, so they never change across exports."""


def case_id(code: str) -> str:
    return str(uuid.uuid5(NAMESPACE, code))


async def current(session: AsyncSession) -> list[Competency]:
    latest = (
        select(Competency.code, func.max(Competency.version).label("version"))
        .group_by(Competency.code)
        .subquery()
    )
    rows = await session.scalars(
        select(Competency)
        .join(latest, (Competency.code == latest.c.code) & (Competency.version == latest.c.version))
        .order_by(Competency.code)
    )
    return list(rows)


async def import_framework(session: AsyncSession, *, framework: CaseFramework) -> dict[str, list[str]]:
    """New competencies and changed ones get a version; returns what was created, revised and left as it was."""
    async with session.begin():
        existing = {c.code: c for c in await current(session)}
        created: list[str] = []
        revised: list[str] = []
        unchanged: list[str] = []
        now = datetime.now(UTC)
        for item in framework.items:
            before = existing.get(item.human_coding_scheme)
            content = (item.full_statement, item.notes, item.levels)
            if before is not None and (before.title, before.description, before.levels) == content:
                unchanged.append(item.human_coding_scheme)
                continue
            session.add(
                Competency(
                    code=item.human_coding_scheme,
                    version=before.version + 1 if before else 1,
                    title=item.full_statement,
                    description=item.notes,
                    levels=item.levels,
                    framework_version=framework.document.version,
                    recorded_at=now,
                )
            )
            (revised if before else created).append(item.human_coding_scheme)
        return {"created": created, "revised": revised, "unchanged": unchanged}


async def export_framework(session: AsyncSession) -> dict[str, Any]:
    async with session.begin():
        competencies = await current(session)
    document_id = str(uuid.uuid5(NAMESPACE, "framework"))
    return {
        "CFDocument": {
            "identifier": document_id,
            "uri": f"urn:training-backbone:case:{document_id}",
            "title": "Law-enforcement training competency framework",
            "creator": "Training partnerships backbone",
            "version": max((c.framework_version for c in competencies), default="0"),
            "lastChangeDateTime": max(
                (c.recorded_at for c in competencies), default=datetime.now(UTC)
            ).isoformat(),
        },
        "CFItems": [
            {
                "identifier": case_id(c.code),
                "uri": f"urn:training-backbone:competency:{c.code}",
                "humanCodingScheme": c.code,
                "fullStatement": c.title,
                "notes": c.description,
                "CFItemType": "Competency",
                "educationLevelCount": c.levels,
                "version": c.version,
                "lastChangeDateTime": c.recorded_at.isoformat(),
            }
            for c in competencies
        ],
        "CFAssociations": [
            {
                "identifier": str(uuid.uuid5(NAMESPACE, f"child:{c.code}")),
                "associationType": "isChildOf",
                "originNodeURI": {
                    "identifier": case_id(c.code),
                    "uri": f"urn:training-backbone:competency:{c.code}",
                },
                "destinationNodeURI": {
                    "identifier": document_id,
                    "uri": f"urn:training-backbone:case:{document_id}",
                },
            }
            for c in competencies
        ],
    }
