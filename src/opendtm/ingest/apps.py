from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "opendtm.ingest"
    label = "ingest"
    verbose_name = "Import and validation"
