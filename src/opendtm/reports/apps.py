from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """PDF site profiles and round reports: the query layer's answers, printed."""

    name = "opendtm.reports"
    label = "reports"
    verbose_name = "Reports"
