from django.apps import AppConfig


class McofConfig(AppConfig):
    name = "opendtm.mcof"
    label = "mcof"
    verbose_name = "MCOF reference data"
