"""Admin units, P-codes, boundaries, gazetteer versions and name -> P-code matching."""
