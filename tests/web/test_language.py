"""The pages in the reader's language: the browser's by default, a visitor's choice in a
cookie, a user's choice in their account (so it follows them to another device); `lang` and
`dir` on every page, Dari right to left; numbers grouped as each language writes them; the
catalogues complete and compiled."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from opendtm.accounts.models import UserPreference
from opendtm.web.templatetags.figures_format import change, count, pct
from tests.web.conftest import WebWorld

LOCALE = Path(settings.LOCALE_PATHS[0])
TRANSLATED = ["fr", "es", "id", "fa_AF"]


def _catalogue(locale: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / locale / "LC_MESSAGES" / "django.po"))


def _html_tag(page: str) -> str:
    found = re.search(r"<html [^>]*>", page)
    assert found is not None
    return found.group(0)


def _as(web_world: WebWorld, role: str, **headers: str) -> Client:
    client = Client(headers=headers)
    client.force_login(web_world.users[role])  # type: ignore[arg-type]
    return client


@pytest.mark.parametrize(
    ("accept", "tag"),
    [
        ("fr-FR,fr;q=0.9", '<html lang="fr" dir="ltr">'),
        ("es-419,es;q=0.8", '<html lang="es" dir="ltr">'),
        ("id", '<html lang="id" dir="ltr">'),
        ("fa-AF,fa;q=0.8", '<html lang="fa-af" dir="rtl">'),
        ("de-DE", '<html lang="en" dir="ltr">'),
    ],
)
def test_the_browser_language_is_the_default(web_world: WebWorld, accept: str, tag: str) -> None:
    page = Client(headers={"accept-language": accept}).get("/login/")
    assert _html_tag(page.content.decode()) == tag


def test_a_french_reader_gets_the_difference_not_the_edit(web_world: WebWorld) -> None:
    """Django's own catalogue turns "Change" into "Modification" (to edit); the dashboard's
    column is the change between rounds."""
    page = _as(web_world, "viewer", accept_language="fr").get("/o/typhoon/breakdown/?round=1")
    text = page.content.decode()
    with translation.override("fr"):
        difference = translation.pgettext("difference", "Change")
    assert difference != "Modification"
    assert f'<th class="num">{difference}</th>' in text
    assert ">Modification<" not in text


def test_a_users_choice_is_kept_in_their_account_and_wins_over_the_browser(
    web_world: WebWorld,
) -> None:
    viewer = _as(web_world, "viewer", accept_language="en")
    chosen = viewer.post("/language/", {"language": "fa-af", "next": "/o/typhoon/"})
    assert chosen["Location"] == "/o/typhoon/"
    assert chosen.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fa-af"
    user = web_world.users["viewer"]
    assert UserPreference.objects.get(user=user).language == "fa-af"
    elsewhere = _as(web_world, "viewer", accept_language="fr")  # another device, no cookie
    page = elsewhere.get("/o/typhoon/")
    assert _html_tag(page.content.decode()) == '<html lang="fa-af" dir="rtl">'
    assert page["Content-Language"] == "fa-af"


def test_a_visitors_choice_is_a_cookie_only(web_world: WebWorld) -> None:
    visitor = Client(headers={"accept-language": "en"})
    chosen = visitor.post("/language/", {"language": "es", "next": "https://elsewhere.example/"})
    assert chosen["Location"] == "/"  # never sent to another site
    assert _html_tag(visitor.get("/login/").content.decode()) == '<html lang="es" dir="ltr">'
    assert not UserPreference.objects.exists()


def test_an_unknown_language_is_refused_and_nothing_kept(web_world: WebWorld) -> None:
    viewer = _as(web_world, "viewer")
    refused = viewer.post("/language/", {"language": "xx", "next": "/"})
    assert refused.status_code == 400
    assert "language &#x27;xx&#x27; is not one of the languages of OpenDTM." in (
        refused.content.decode()
    )
    assert settings.LANGUAGE_COOKIE_NAME not in refused.cookies
    assert not UserPreference.objects.exists()
    assert viewer.get("/language/").status_code == 405


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("en", ("1,234,567", "-1,234", "+0", "-41.0%")),
        ("fr", ("1\xa0234\xa0567", "-1\xa0234", "+0", "-41,0%")),
        ("es", ("1\xa0234\xa0567", "-1\xa0234", "+0", "-41,0%")),
        ("id", ("1.234.567", "-1.234", "+0", "-41,0%")),
        ("fa-af", ("1,234,567", "-1,234", "+0", "-41.0%")),
    ],
)
def test_numbers_are_grouped_as_the_language_writes_them(
    language: str, shown: tuple[str, ...]
) -> None:
    with translation.override(language):
        assert (count(1234567), change(-1234), change(0), pct(-41.04)) == shown
        assert count(None) == "*"  # a hidden count, in every language


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_string_of_the_pages_is_translated(locale: str) -> None:
    catalogue = _catalogue(locale)
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []
    assert catalogue.metadata["Language"] == locale


@pytest.mark.parametrize("locale", ["en", *TRANSLATED])
def test_the_compiled_catalogue_is_the_catalogue(locale: str) -> None:
    """Django reads the .mo: a .po edited and not compiled (`opendtm manage compilemessages`)
    would not show."""
    source = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in _catalogue(locale)}
    compiled = polib.mofile(str(LOCALE / locale / "LC_MESSAGES" / "django.mo"))
    built = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in compiled}
    translated = {k: v for k, v in source.items() if v[0] or any(v[1].values())}
    assert {k: v for k, v in built.items() if k[1]} == translated
