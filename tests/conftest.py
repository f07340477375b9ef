"""Shared fixtures, each built once per run: the shipped list dataset, the suggestion engine
and the real EU Annex I PDF as read by the PDF reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from exportctl.config import DEFAULT_LIST_SOURCE
from exportctl.lists.source import SourceLine
from exportctl.lists.store import ControlList

DATA_DIR = Path(__file__).parent / "data"
ANNEX_I_PDF = DATA_DIR / "pdf" / "annex-i-2021-821.pdf"
ANNEX_I_LAYOUT_CODES = DATA_DIR / "pdf" / "annex-i-2021-821.layout-codes.txt"


@pytest.fixture(scope="session")
def postgres_server_url():
    """A throwaway PostgreSQL server for the whole run (Debian's ``postgresql``), skipped
    without it; tests that need a database of their own make one with ``create_database``."""
    pytest.importorskip("psycopg")
    from helpers_postgres import PostgresUnavailable, postgres_server

    try:
        with postgres_server() as url:
            yield url
    except PostgresUnavailable as error:
        pytest.skip(str(error))


@pytest.fixture(scope="session")
def control_list() -> ControlList:
    return ControlList.load()


@pytest.fixture(scope="session")
def source_text_path() -> Path:
    return DEFAULT_LIST_SOURCE


@pytest.fixture(scope="session")
def mini_list_path() -> Path:
    return DATA_DIR / "lists" / "mini-list.txt"


@pytest.fixture(scope="session")
def suggester(control_list: ControlList):
    """The suggestion engine over the shipped list, with its saved (or freshly built) indexes."""
    from exportctl.suggest.engine import Suggester

    return Suggester.load(control_list)


@pytest.fixture(scope="session")
def annex_i_lines() -> list[SourceLine]:
    """The 253-page EU Annex I PDF as the PDF reader reads it, once per run (about 40 s:
    pdfminer parses every glyph). The reader's tests and the import tests share it."""
    from exportctl.lists.pdf_reader import read_pdf_lines

    return read_pdf_lines(ANNEX_I_PDF)


@pytest.fixture(scope="session")
def annex_i_layout_codes() -> list[str]:
    """Entry codes at line starts in ``pdftotext -layout`` of the same PDF, in page order: an
    independent reading to compare with (see the file's header)."""
    lines = ANNEX_I_LAYOUT_CODES.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("#")]
