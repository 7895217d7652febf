"""URLs of the API app: `api/` (own API, docs, OpenAPI document) and `v3/` (DTM API v3)."""

from django.urls import path

from opendtm.api import dtm_v3
from opendtm.api.v1 import api

api_urls = api.urls
v3_urls = [
    path("displacement/admin0", dtm_v3.admin0, name="dtm-v3-admin0"),
    path("displacement/admin1", dtm_v3.admin1, name="dtm-v3-admin1"),
    path("displacement/admin2", dtm_v3.admin2, name="dtm-v3-admin2"),
    path("displacement/country-list", dtm_v3.country_list, name="dtm-v3-country-list"),
    path("displacement/operation-list", dtm_v3.operation_list, name="dtm-v3-operation-list"),
]
