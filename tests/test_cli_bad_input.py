"""Every command, given bad input, answers with one coded line of error: never a traceback,
never click's bare "Aborted!", never the last-resort "unexpected failure"."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from exportctl.cli import main

RULES = ["--version", "2099-01-01", "--verified-on", "2099-01-01", "--source", "x", "--dry-run"]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bad")
    (folder / "binary.txt").write_bytes(b"garbage\x00\xff\xfe\n" * 10)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "folder").mkdir()
    (folder / "list.jsonl").write_text("[1, 2]\n")
    (folder / "notext.jsonl").write_text('{"id": "a"}\n')
    (folder / "labels.jsonl").write_text('{"text": "laser", "labels_entry_level": "ML1"}\n')
    (folder / "deep.jsonl").write_text("[" * 100_000 + "\n")
    (folder / "rules.csv").write_text("cah3_code\n" + "a" * 200_000 + "\n")  # over csv's limit
    (folder / "rules.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    (folder / "ok.jsonl").write_text(json.dumps({"id": "a", "text": "laser"}) + "\n")
    return folder


#: (arguments, with {f} for the folder of bad files; words the one line of error must hold)
CASES = [
    (["show", ""], "No clause ''"),
    (["--list", "nope", "show", "ML1"], "No imported 'nope' list"),
    (["--list", "uk-consolidated/1999-01-01", "show", "ML1"], "No imported list"),
    (["import", "{f}/folder", "--list-date", "2026-01-01", "--list-name", "t",
      "--output", "{f}/out"], "is not a file"),
    (["import", "{f}/binary.txt", "--list-date", "2026-01-01", "--list-name", "t",
      "--output", "{f}/out"], "is not UTF-8 text"),
    (["import", "{f}/empty.txt", "--list-date", "2026-02-30", "--output", "{f}/out"],
     "not a date in the form YYYY-MM-DD"),
    (["import", "{f}/empty.txt", "--list-date", "2026-01-01", "--list-name", "A B",
      "--output", "{f}/out"], "is not usable"),
    (["import", "{f}/empty.txt", "--list-date", "2026-01-01", "--list-name", "t",
      "--output", "{f}/empty.txt/x"], "Cannot write the list under"),
    (["suggest", ""], "The text is empty"),
    (["suggest", "--input", "{f}/folder"], "is a folder"),
    (["suggest", "--input", "{f}/binary.txt"], "is not utf-8 text: byte 0xff"),
    (["suggest", "--input", "{f}/list.jsonl"], 'needs {"id": ..., "text": ...}'),
    (["suggest", "--input", "{f}/deep.jsonl"], "nested too deeply"),
    (["suggest", "--input", "{f}/ok.jsonl", "--output", "{f}/empty.txt/o.jsonl"],
     "Cannot create the output folder"),
    (["suggest", "--input", "{f}/ok.jsonl", "--output", "{f}/ok.jsonl"], "is the input file"),
    (["suggest", "--encoding", "nope", "laser"], "Unknown encoding 'nope'"),
    (["subjects", "-", "--encoding", "nope"], "Unknown encoding 'nope'"),
    (["evaluate", "--data", "{f}/folder"], "Is a directory"),
    (["evaluate", "--data", "{f}/list.jsonl"], "is not a JSON object"),
    (["evaluate", "--data", "{f}/labels.jsonl"], "as a list of entry codes"),
    (["evaluate-subjects", "--data", "{f}/binary.txt"], "is not utf-8 text"),
    (["evaluate-subjects", "--data", "{f}/list.jsonl"], "rows need 'hecos_code'"),
    (["train-ranker", "--data", "{f}/notext.jsonl"], "holds no record with 'text'"),
    (["train-ranker", "--data", "{f}/list.jsonl"], "is not a JSON object"),
    (["atas", "--cah3", "", "--nationality", "CN", "--level", "research"], "CAH3 subject"),
    (["atas", "--cah3", "CAH10-01-04", "--nationality", "CN", "--level", "research",
      "--rules-version", "1999-01-01"], "No ATAS rules version"),
    (["atas-rules", "show", "nope"], "No ATAS rules version 'nope'"),
    (["atas-rules", "import", "{f}/folder", *RULES], "No such file"),
    (["atas-rules", "import", "{f}/rules.csv", *RULES], "is not a readable CSV file"),
    (["atas-rules", "import", "{f}/rules.xlsx", *RULES], "cannot be read as an Excel workbook"),
    (["atas-rules", "import", "{f}/rules.csv", *RULES[:-1], "--encoding", "x"], "Unknown encoding"),
    (["atas-rules", "rollback", "--reason", "test", "--yes"], "nothing earlier to go back to"),
    (["hash-password", "--password", ""], "The password has 0 characters; use at least"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "message"), CASES, ids=[" ".join(c[0][:3]) for c in CASES])
def test_cli_bad_input_is_one_line_of_error(files, args, message):
    result = CliRunner().invoke(main, [a.format(f=files) for a in args], input="")
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: [E") and result.stderr.count("\n") == 1
    assert message in result.stderr
    assert "E999" not in result.stderr


def test_cli_unexpected_failure_is_one_line_and_names_the_way_to_the_details(tmp_path):
    # The last line of defence, on a failure no command expects: a database file that is not
    # a database.
    not_a_database = tmp_path / "cases.sqlite3"
    not_a_database.write_bytes(b"plain text, not SQLite\n" * 100)
    result = CliRunner().invoke(
        main,
        ["export", "--database-url", f"sqlite:///{not_a_database}",
         "--output", str(tmp_path / "o.xlsx")],
    )  # fmt: skip
    assert result.exit_code in (2, 70)
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error: [E")


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for name, command in sorted(group.commands.items()):
        paths.append((*prefix, name))
        if isinstance(command, click.Group):
            paths.extend(_command_paths(command, (*prefix, name)))
    return paths


@pytest.mark.parametrize("path", _command_paths(main), ids=" ".join)
def test_cli_help_of_every_command_is_usage_and_success(path):
    result = CliRunner().invoke(main, [*path, "--help"], prog_name="exportctl")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Usage: exportctl " + " ".join(path))
    assert result.stderr == ""


def test_cli_error_quoting_a_line_break_from_a_file_stays_one_line(tmp_path):
    # A column name and a cell with line breaks in them, quoted in the error.
    rules = tmp_path / "rules.csv"
    rules.write_text('cah3_code,"new\ncol"\nCAH10-01-04,y\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["atas-rules", "import", str(rules), *RULES])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: [E200] rules.csv: unknown column 'new\\ncol' for the subjects table. Allowed "
        "columns: cah3_code, cah3_label, source_label, levels, qualifier, sources, confidence.\n"
    )
    rules.write_text('cah3_code\n"CAH10\r\n-01-04"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["atas-rules", "import", str(rules), *RULES])
    assert result.stderr == (
        "error: [E200] rules.csv row 2: 'CAH10\\r\\n-01-04' is not a CAH3 code (CAHnn-nn-nn).\n"
    )
