"""External evaluators (academia, international bodies, other agencies) and their assignment to trainees, refused
when a conflict of interest stands in the way."""
