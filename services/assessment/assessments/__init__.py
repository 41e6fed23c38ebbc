"""Assessments of trainees: an evaluator scores each criterion of a published rubric version with its evidence;
the rubric's pass rule decides, and training learns the result."""
