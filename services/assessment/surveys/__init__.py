"""Surveys: qualitative indicators (stakeholder satisfaction, perceived trust) measured by questions on scales,
answered anonymously with single-use invitation codes, shown only from a minimum number of responses."""
