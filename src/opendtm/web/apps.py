from django.apps import AppConfig


class WebConfig(AppConfig):
    """The server-rendered pages: dashboards, site registry, rounds, import in the browser."""

    name = "opendtm.web"
    label = "web"
    verbose_name = "Web pages"

    def ready(self) -> None:
        from opendtm.web import language  # noqa: F401  (the session's language at login)
