"""The incidents service."""

SOURCE = "/incidents"
"""The CloudEvents source of every event the incidents service publishes."""
