"""The finance service."""

SOURCE = "/services/finance"
"""The CloudEvents source of every event the finance service publishes."""
