from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "opendtm.core"
    label = "core"
    verbose_name = "Core"
