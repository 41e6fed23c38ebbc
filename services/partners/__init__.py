"""The partners service."""

SOURCE = "/services/partners"
"""The CloudEvents source of every event the partners service publishes."""
