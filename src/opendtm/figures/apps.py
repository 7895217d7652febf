from django.apps import AppConfig


class FiguresConfig(AppConfig):
    name = "opendtm.figures"
    label = "figures"
    verbose_name = "Displacement figures"
