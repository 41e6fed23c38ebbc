"""API models of a trainee's own records."""

from __future__ import annotations

from pydantic import BaseModel

from services.training.cohorts.schemas import NominationOut
from services.training.learning.schemas import ProgressOut


class MyEnrollmentOut(BaseModel):
    nomination: NominationOut
    progress: list[ProgressOut]
