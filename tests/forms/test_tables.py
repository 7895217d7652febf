"""`table_read`: the typed frame of one table, whatever path each column took."""

from __future__ import annotations

from pathlib import Path

from opendtm.forms.queries import form_spec_get
from opendtm.forms.reader import read_export

SITE = form_spec_get(form_id="dtm_site")


def test_every_typed_column_is_one_chunk_even_when_retyped(tmp_path: Path) -> None:
    """A column typed again by the full parsers came back in the engine's pieces beside
    one-piece columns; Polars 2.1 panicked on such frames in the rules (issue 11)."""
    lines = ["_uuid,site_id,hh,ind,ind_f_lt1"]
    lines += [f"u{i},S-{i},20,{f' {i} ' if i % 7 == 0 else i},{i}" for i in range(300)]
    path = tmp_path / "spaced.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    main = read_export(form=SITE, path=path).main
    assert main["ind"].to_list() == list(range(300))
    assert {c: main[c].n_chunks() for c in main.columns if main[c].n_chunks() != 1} == {}
