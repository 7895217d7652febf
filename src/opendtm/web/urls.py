"""The pages' URLs; every page of an operation lives under /o/<code>/."""

from django.contrib.auth import views as auth_views
from django.urls import path

from opendtm.web import (
    events,
    flows,
    language,
    manage_accounts,
    manage_operations,
    manage_rounds,
    needs,
    portfolio,
    reports,
    rounds,
    submissions,
    views,
)

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="web/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", language.language_choose, name="language"),
    path("o/<slug:code>/", views.dashboard, name="dashboard"),
    path("o/<slug:code>/breakdown/", views.breakdown, name="breakdown"),
    path("o/<slug:code>/download/<slug:kind>.<slug:fmt>", views.download, name="download"),
    path("o/<slug:code>/needs/", needs.needs_dashboard, name="needs"),
    path("o/<slug:code>/needs/download.<slug:fmt>", needs.needs_download, name="needs-download"),
    path("o/<slug:code>/sites/", views.site_list, name="sites"),
    path("o/<slug:code>/sites/<str:site_id>/", views.site_profile, name="site"),
    path("o/<slug:code>/flows/points/", flows.fmp_list_page, name="fmps"),
    path("o/<slug:code>/flows/points/<str:fmp_code>/", flows.fmp_profile_page, name="fmp"),
    path("o/<slug:code>/rounds/", manage_rounds.round_list, name="rounds"),
    path("o/<slug:code>/events/", events.event_list, name="events"),
    path("o/<slug:code>/events/new/", events.event_new, name="event-new"),
    path("o/<slug:code>/events/events.<slug:fmt>", events.event_download, name="events-download"),
    path("o/<slug:code>/rounds/open/", manage_rounds.round_new, name="round-open"),
    path("o/<slug:code>/sites/<str:site_id>/profile.pdf", reports.site_pdf, name="site-pdf"),
    path(
        "o/<slug:code>/sites/<str:site_id>/tables/<slug:table>.<slug:fmt>",
        reports.site_table,
        name="site-table",
    ),
    path("o/<slug:code>/rounds/<int:number>/", rounds.round_page, name="round"),
    path("o/<slug:code>/rounds/<int:number>/move/", rounds.round_move, name="round-move"),
    path(
        "o/<slug:code>/rounds/<int:number>/figures/rebuild/",
        rounds.figures_rebuild,
        name="figures-rebuild",
    ),
    path("o/<slug:code>/rounds/<int:number>/report.pdf", reports.round_pdf, name="round-pdf"),
    path(
        "o/<slug:code>/rounds/<int:number>/publish/",
        manage_rounds.round_publish,
        name="round-publish",
    ),
    path(
        "o/<slug:code>/settings/", manage_operations.operation_settings, name="operation-settings"
    ),
    path("o/<slug:code>/people/", manage_operations.operation_people, name="operation-people"),
    path(
        "o/<slug:code>/forms/<slug:form_id>.xlsx",
        manage_operations.operation_form,
        name="operation-form",
    ),
    path("manage/operations/new/", manage_operations.operation_new, name="operation-new"),
    path("manage/users/", manage_accounts.user_list, name="users"),
    path("manage/users/<str:username>/", manage_accounts.user_page, name="user"),
    path("manage/users/<str:username>/active/", manage_accounts.user_active, name="user-active"),
    path(
        "manage/users/<str:username>/password/",
        manage_accounts.user_password,
        name="user-password",
    ),
    path("account/tokens/", manage_accounts.token_list, name="tokens"),
    path(
        "account/tokens/<int:token_id>/revoke/",
        manage_accounts.token_revoke_view,
        name="token-revoke",
    ),
    path(
        "o/<slug:code>/rounds/<int:number>/cleaning-log.csv",
        rounds.cleaning_log_csv,
        name="cleaning-log",
    ),
    path("o/<slug:code>/rounds/<int:number>/import/", rounds.import_upload, name="import"),
    path(
        "o/<slug:code>/rounds/<int:number>/submissions/",
        submissions.submission_list,
        name="submissions",
    ),
    path(
        "o/<slug:code>/rounds/<int:number>/submissions/<int:batch>/<int:row>/",
        submissions.submission_detail,
        name="submission",
    ),
    path("o/<slug:code>/imports/<str:token>/", rounds.import_job, name="import-job"),
    path(
        "o/<slug:code>/imports/<str:token>/report.csv", rounds.import_report, name="import-report"
    ),
    path(
        "o/<slug:code>/imports/<str:token>/report.<slug:fmt>",
        rounds.import_report,
        name="import-report-as",
    ),
    path(
        "o/<slug:code>/batches/<int:batch_id>/report.<slug:fmt>",
        rounds.batch_report,
        name="batch-report",
    ),
    path(
        "o/<slug:code>/imports/<str:token>/confirm/", rounds.import_confirm, name="import-confirm"
    ),
    path("o/<slug:code>/imports/<str:token>/cancel/", rounds.import_cancel, name="import-cancel"),
    path("portfolio/", portfolio.overview, name="portfolio"),
    path("portfolio/projects/<str:project_code>/", portfolio.project, name="portfolio-project"),
    path(
        "portfolio/projects/<str:project_code>/move/",
        portfolio.project_move,
        name="portfolio-project-move",
    ),
    path(
        "portfolio/projects/<str:project_code>/comment/",
        portfolio.project_comment_add,
        name="portfolio-project-comment",
    ),
]
