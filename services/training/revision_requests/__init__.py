"""Revision requests: findings about training from drills and assessments, and their decision."""
