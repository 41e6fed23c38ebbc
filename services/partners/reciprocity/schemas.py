"""API models of reciprocity balances."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field


class ReciprocityOut(BaseModel):
    country_code: str
    hosted_count: int = Field(description="Exchanges this country hosted (officers of other countries)")
    hosted_days: int
    received_count: int = Field(description="Exchanges its own officers received abroad (officers sent)")
    received_days: int
    balance: int = Field(description="hosted_days - received_days: positive when the country gives more")


class CountryReciprocityOut(ReciprocityOut):
    counterparts: list[ReciprocityOut] = Field(
        description="The same figures with each other country, from this country's side"
    )


class PartnershipReciprocityOut(BaseModel):
    partnership_id: uuid.UUID
    countries: list[ReciprocityOut] = Field(description="Every member country, and any other that took part")
