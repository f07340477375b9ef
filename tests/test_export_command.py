from __future__ import annotations

import pytest
from click.testing import CliRunner
from helpers_cases import OFFICER, RESEARCHER, stored_result
from openpyxl import load_workbook

from exportctl.auth import verify_password
from exportctl.cases import CaseRepository, CaseStoreError
from exportctl.cases.commands import export_command, hash_password_command
from exportctl.checksums import sha256_of


def test_export_command_writes_workbook(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    repo = CaseRepository.open(url)
    repo.create_case(RESEARCHER, title="T", abstract="=1+1", result=stored_result("=1+1"))
    repo.dispose()
    monkeypatch.setenv("EXPORTCTL_DATABASE_URL", url)
    output = tmp_path / "out" / "decisions.xlsx"
    result = CliRunner().invoke(export_command, ["--output", str(output), "--as", "auditor"])
    assert result.exit_code == 0, result.output
    assert "Wrote 1 cases" in result.output
    workbook = load_workbook(output)
    assert workbook["Cases"]["A2"].value == "C-00001"
    assert [p.name for p in output.parent.iterdir()] == ["decisions.xlsx"]  # no partial file
    # The export is recorded after the file was written, with the file's hash.
    repo = CaseRepository.open(url)
    (event,) = [e for e in repo.audit_trail(OFFICER) if e.action == "decisions_exported"]
    repo.dispose()
    assert event.actor == "auditor"
    assert event.detail["file"] == "decisions.xlsx"
    assert event.detail["sha256"] == sha256_of(output)
    assert (
        event.detail["chain_head"]
        == dict(workbook["About"].iter_rows(values_only=True))["Audit chain head"]
    )


def test_export_command_records_nothing_when_the_workbook_cannot_be_written(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    repo = CaseRepository.open(url)
    repo.create_case(RESEARCHER, title="T", abstract="x", result=stored_result("x"))
    repo.dispose()
    monkeypatch.setenv("EXPORTCTL_DATABASE_URL", url)
    output = tmp_path / "out" / "decisions.xlsx"
    output.parent.mkdir()
    output.write_bytes(b"the previous workbook")

    def disk_full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("exportctl.xlsx_writer.zipfile.ZipFile.writestr", disk_full)
    result = CliRunner().invoke(export_command, ["--output", str(output)])
    assert result.exit_code != 0
    # The previous workbook is whole, no partial file is left, and no export was recorded.
    assert output.read_bytes() == b"the previous workbook"
    assert [p.name for p in output.parent.iterdir()] == ["decisions.xlsx"]
    repo = CaseRepository.open(url)
    assert [e.action for e in repo.audit_trail(OFFICER)] == ["case_submitted"]
    repo.dispose()


def test_export_command_hash_password_round_trips():
    password = "tractor kettle meadow"
    result = CliRunner().invoke(hash_password_command, ["--password", password])
    assert result.exit_code == 0
    assert verify_password(password, result.output.strip())


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("s3cret", "has 6 characters; use at least 15"),
        ("fourteen chars", "has 14 characters"),
        ("researcher2-demo", "demo password published"),
    ],
)
def test_export_command_hash_password_refuses_short_and_published_passwords(password, message):
    result = main_runner(["hash-password", "--password", password])
    assert result.exit_code == 2
    assert message in result.output
    assert "pbkdf2" not in result.output


def test_export_command_an_export_that_cannot_be_recorded_leaves_no_workbook(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    CaseRepository.open(url).dispose()
    monkeypatch.setenv("EXPORTCTL_DATABASE_URL", url)

    def busy(*_args, **_kwargs):
        raise CaseStoreError("The case database is busy or unavailable; nothing was saved.")

    monkeypatch.setattr(CaseRepository, "record_export", busy)
    output = tmp_path / "decisions.xlsx"
    result = main_runner(["export", "--output", str(output)])
    assert result.exit_code == 2 and "busy" in result.output
    assert not output.exists() and not list(tmp_path.glob(".decisions.xlsx*"))


def main_runner(args):
    from exportctl.cli import main

    return CliRunner().invoke(main, args)
