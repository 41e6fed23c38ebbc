"""Indicators of a partnership's results (joint investigations, time to outcome, cross-border arrests...), with
baselines and targets, and the measurements national systems report as aggregates."""
