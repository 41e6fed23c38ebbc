from backbone.migrations import run_env
from services.partners.models import PartnersBase

run_env(PartnersBase.metadata)
