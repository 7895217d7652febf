"""Shared base pieces: abstract models, errors, restricted querysets. No domain models."""
