from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "opendtm.events"
    label = "events"
    verbose_name = "Event tracking"
