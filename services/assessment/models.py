"""Tables of the assessment service (its domain arrives in a later issue)."""

from backbone.db import Base


class AssessmentBase(Base):
    __abstract__ = True
