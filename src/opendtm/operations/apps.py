from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "opendtm.operations"
    label = "operations"
    verbose_name = "Operations, rounds and sites"
