"""The finance service's door to Temporal: every workflow it starts, signals, updates or queries goes here.

Finance drives no workflow yet. Funding tranches released when their linked results are met (issue 15) start
here, the way `services/partners/processes.py` starts commitment renewals.
"""
