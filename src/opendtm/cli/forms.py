"""`opendtm forms export|show|messages`: the shipped XLSForms, written out, listed field by
field, or their translation template rewritten."""

from __future__ import annotations

from pathlib import Path

import click

from opendtm.forms.xlsform import shipped_form_ids

FORM_CHOICES = [*shipped_form_ids(), "all"]


@click.group("forms")
def forms_group() -> None:
    """The shipped XLSForms (baseline and site assessment) for KoboToolbox / ODK."""


@forms_group.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--form",
    "form_id",
    type=click.Choice(FORM_CHOICES),
    default="all",
    show_default=True,
    help="Which form to write.",
)
@click.option(
    "--operation",
    "operation_code",
    default=None,
    help="Fill the admin-unit questions with this operation's gazetteer (cascading selects).",
)
def export_command(directory: Path, form_id: str, operation_code: str | None) -> None:
    """Write the XLSForm(s) to DIRECTORY as <form_id>.xlsx, ready to upload."""
    from opendtm.accounts.services import user_for_cli
    from opendtm.forms.services import form_export
    from opendtm.operations.queries import operation_get

    operation = operation_get(user=user_for_cli(), code=operation_code) if operation_code else None
    form_ids = shipped_form_ids() if form_id == "all" else [form_id]
    for fid in form_ids:
        path = form_export(form_id=fid, directory=directory, operation=operation)
        click.echo(str(path))


@forms_group.command("show")
@click.argument("form_id", type=click.Choice(shipped_form_ids()))
def show_command(form_id: str) -> None:
    """List the questions of a shipped form: name, type (with its maximum), required, HXL
    tag, group path."""
    from opendtm.forms.queries import form_spec_get

    spec = form_spec_get(form_id=form_id)
    click.echo(f"{spec.form_id} version {spec.version}: {spec.title}")
    for f in spec.fields:
        kind = f"{f.type} {f.list_name}" if f.list_name else f.type
        if f.maximum is not None:
            kind += f" <= {f.maximum:,}"
        click.echo(
            "\t".join(
                [
                    f.name,
                    kind,
                    "required" if f.required else "optional",
                    f.hxl or "-",
                    "/".join(f.group_path) or "-",
                ]
            )
        )


@forms_group.command("messages")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the template here instead of the package's forms/locale/xlsform.pot.",
)
def messages_command(output: Path | None) -> None:
    """Rewrite the translation template of the shipped forms' texts and say, per language, what
    is still to translate (update each catalogue with `msgmerge -U forms/locale/fr.po
    forms/locale/xlsform.pot`, then translate the empty entries)."""
    from opendtm.forms.translations import (
        LANGUAGES,
        TEMPLATE,
        catalogue_gaps,
        messages_template,
        shipped_messages,
    )

    texts = shipped_messages()
    path = messages_template(texts, output or TEMPLATE)
    click.echo(f"{path}: {len(texts)} texts")
    for code, name in LANGUAGES.items():
        if code == "en":
            continue
        missing, unused = catalogue_gaps(code, texts)
        click.echo(
            f"{name}: {len(texts) - len(missing)} of {len(texts)} translated"
            + (f", {len(unused)} no longer used" if unused else "")
        )


COMMANDS: list[click.Command] = [forms_group]
