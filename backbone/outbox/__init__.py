"""Transactional outbox: events written with the state change, published by a relay."""

from backbone.outbox.writer import Outgoing, add_event, add_events

__all__ = ["Outgoing", "add_event", "add_events"]
