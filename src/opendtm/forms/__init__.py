"""The shipped XLSForms (data dictionary of docs/domain.md §4) and the form-driven export reader."""
