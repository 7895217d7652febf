"""The languages OpenDTM speaks, named in themselves: the pages' (settings.LANGUAGES), the
command line's `--lang`, the reports'. Dari is `fa-af` (right to left)."""

LANGUAGES: list[tuple[str, str]] = [
    ("en", "English"),
    ("fr", "Français"),
    ("es", "Español"),
    ("id", "Bahasa Indonesia"),
    ("fa-af", "دری"),
]
CODES: list[str] = [code for code, _name in LANGUAGES]
