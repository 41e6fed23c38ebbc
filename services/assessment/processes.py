"""The assessment service's door to Temporal: every workflow it starts, signals, updates or queries goes here.

Assessment drives no workflow yet. Evaluation cycles (issue 16) start here, the way
`services/partners/processes.py` starts commitment renewals.
"""
