"""Rules of learning analytics, with no I/O: when a group is too small to show another country."""

from __future__ import annotations

MIN_GROUP = 3
"""Another country's outcomes are shown for groups of at least this many trainees: fewer would name people."""
