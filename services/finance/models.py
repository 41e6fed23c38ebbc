"""Tables of the finance service (its domain arrives in a later issue)."""

from backbone.db import Base


class FinanceBase(Base):
    __abstract__ = True
