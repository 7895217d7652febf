"""PDF site profiles and round reports, and the site profile's tables as files."""
