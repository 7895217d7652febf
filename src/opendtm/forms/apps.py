from django.apps import AppConfig


class FormsConfig(AppConfig):
    name = "opendtm.forms"
    label = "forms"
    verbose_name = "Forms"
