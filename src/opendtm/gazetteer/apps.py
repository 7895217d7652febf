from django.apps import AppConfig


class GazetteerConfig(AppConfig):
    name = "opendtm.gazetteer"
    label = "gazetteer"
    verbose_name = "Gazetteer"
