from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "opendtm.api"
    label = "api"
    verbose_name = "Public API"
