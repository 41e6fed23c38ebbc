from backbone.migrations import run_env
from services.assessment.models import AssessmentBase

run_env(AssessmentBase.metadata)
