"""Number and date formats of the languages Django has none for (FORMAT_MODULE_PATH)."""
