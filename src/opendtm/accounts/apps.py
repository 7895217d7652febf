from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "opendtm.accounts"
    label = "accounts"
    verbose_name = "Accounts and audit"

    def ready(self) -> None:
        from opendtm.accounts import throttle

        throttle.connect()
