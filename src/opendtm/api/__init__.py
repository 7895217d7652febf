"""The public REST API (`/api/v1/`, OpenAPI 3) and the DTM API v3 compatible endpoints (`/v3/`)."""
