"""Rubrics: criteria grouped in dimensions (always technical proficiency, ethical judgement, cultural sensitivity
and adherence to human-rights standards), levels with descriptors, weights and a pass rule; versioned, a published
version immutable. Assessments of trainees score each criterion of one published version."""
