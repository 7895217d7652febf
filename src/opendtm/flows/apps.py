from django.apps import AppConfig


class FlowsConfig(AppConfig):
    name = "opendtm.flows"
    label = "flows"
    verbose_name = "Flow monitoring"
