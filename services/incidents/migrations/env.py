from backbone.migrations import run_env
from services.incidents.models import IncidentsBase

run_env(IncidentsBase.metadata)
