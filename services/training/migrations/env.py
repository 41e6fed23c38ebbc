from backbone.migrations import run_env
from services.training.agencies.models import KnownAgency
from services.training.certifications.models import AssessmentResult
from services.training.cohorts.models import KnownCommitment
from services.training.models import TrainingBase

assert (
    KnownAgency.metadata is KnownCommitment.metadata is AssessmentResult.metadata is TrainingBase.metadata
)  # their tables count too
run_env(TrainingBase.metadata)
