from django.apps import AppConfig


class MobilityConfig(AppConfig):
    name = "opendtm.mobility"
    label = "mobility"
    verbose_name = "Mobility tracking"
