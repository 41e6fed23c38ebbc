"""Evaluation plans: what a partnership evaluates (questions, indicators, methods) and when (a schedule of rounds);
versioned, the published version immutable and public; each round run by EvaluationCycleWorkflow."""
