from backbone.migrations import run_env
from services.training.models import TrainingBase

run_env(TrainingBase.metadata)
