from django.apps import AppConfig


class NeedsConfig(AppConfig):
    name = "opendtm.needs"
    label = "needs"
    verbose_name = "Needs and gaps"
