"""OpenDTM: displacement tracking and crisis-response information system."""

__version__ = "0.1.0"
