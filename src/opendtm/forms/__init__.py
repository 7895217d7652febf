"""The shipped XLSForms (data dictionary of DOMAIN.md §4) and the form-driven export reader."""
