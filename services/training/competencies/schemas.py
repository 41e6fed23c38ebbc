"""The competency framework as IMS CASE-shaped JSON (CFDocument, CFItems, CFAssociations)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CFItem(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    identifier: str | None = None
    human_coding_scheme: str = Field(alias="humanCodingScheme", pattern="^cf:[a-z0-9][a-z0-9-]{1,80}$")
    full_statement: str = Field(alias="fullStatement", min_length=1, max_length=200)
    notes: str = Field(default="", max_length=4000)
    levels: int = Field(default=5, ge=1, le=10, alias="educationLevelCount")


class CFDocument(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    title: str = Field(min_length=1, max_length=200)
    version: str = Field(min_length=1, max_length=40)


class CaseFramework(BaseModel):
    """The parts of an IMS CASE package this service reads (unknown fields are ignored)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    document: CFDocument = Field(alias="CFDocument")
    items: list[CFItem] = Field(alias="CFItems", min_length=1, max_length=2000)
