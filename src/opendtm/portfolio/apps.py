from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "opendtm.portfolio"
    label = "portfolio"
    verbose_name = "Regional project portfolio"
