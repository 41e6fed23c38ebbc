"""The training service."""

SOURCE = "/services/training"
"""The CloudEvents source of every event the training service publishes."""
