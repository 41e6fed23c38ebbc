"""Versioned event models, one module per producing service."""
