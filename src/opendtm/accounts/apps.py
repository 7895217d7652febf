from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "opendtm.accounts"
    label = "accounts"
    verbose_name = "Accounts and audit"
