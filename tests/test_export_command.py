from __future__ import annotations

from click.testing import CliRunner
from helpers_cases import RESEARCHER, stored_result
from openpyxl import load_workbook

from exportctl.auth import verify_password
from exportctl.cases import CaseRepository
from exportctl.cases.commands import export_command, hash_password_command


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
    assert workbook["Audit trail"].cell(row=3, column=4).value == "auditor"


def test_export_command_hash_password_round_trips():
    result = CliRunner().invoke(hash_password_command, ["--password", "s3cret"])
    assert result.exit_code == 0
    assert verify_password("s3cret", result.output.strip())
