"""Transactional outbox: events written with the state change, published by a relay."""

from backbone.outbox.writer import add_event

__all__ = ["add_event"]
