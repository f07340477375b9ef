"""The ATAS commands through the exportctl command line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from exportctl.cli import main


@pytest.fixture
def run():
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args))


def test_commands_atas_json(run):
    result = run(
        "atas", "--cah3", "CAH10-01-04", "--nationality", "CN", "--level", "research", "--json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["result"] == "required"
    assert data["rules_version"] == "2026-08-14"
    assert "last verified on 2026-08-14" in data["caveat"]


def test_commands_atas_dual_nationals_and_text_output(run):
    result = run(
        "atas",
        "--cah3",
        "CAH10-01-04,CAH20-01-01",
        "--nationality",
        "CN",
        "--nationality",
        "FR",
        "--level",
        "PhD",
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ATAS: NOT REQUIRED")
    assert "France (FR)" in result.output


@pytest.mark.parametrize(
    "args,message",
    [
        (("--cah3", "CAH10-1-04", "--nationality", "CN", "--level", "research"), "not a CAH3 code"),
        (
            ("--cah3", "CAH10-01-04", "--nationality", "ZZ", "--level", "research"),
            "Unknown country",
        ),
        (
            ("--cah3", "CAH10-01-04", "--nationality", "CN", "--level", "kindergarten"),
            "Unknown level",
        ),
    ],
)
def test_commands_atas_errors_exit_2(run, args, message):
    result = run("atas", *args)
    assert result.exit_code == 2
    assert message in result.output


def test_commands_subjects(run):
    result = run("subjects", "hypersonic aerospace propulsion", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data[0]["cah3"] == "CAH10-01-04"
    assert data[0]["evidence"][0]["words"]
    text = run("subjects", "hypersonic aerospace propulsion")
    assert "HECoS 100564 'aerospace propulsion systems'" in text.output


def test_commands_rules_show(run):
    result = run("atas-rules", "show")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["version"] == "2026-08-14"
