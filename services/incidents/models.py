"""Tables of the incidents service (its domain arrives in a later issue)."""

from backbone.db import Base


class IncidentsBase(Base):
    __abstract__ = True
