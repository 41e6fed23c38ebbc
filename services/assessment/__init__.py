"""The assessment service."""

SOURCE = "/assessment"
"""The CloudEvents source of every event the assessment service publishes."""
