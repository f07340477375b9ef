"""Text as users give it (standard input, an argument, a batch file) decoded explicitly, and a
batch's output written so that it is only ever whole: the input never overwritten, one run per
output, clear errors for a folder that cannot be written, ids checked, ``--resume``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers_models import models_as_cloned

from exportctl.atomic import exclusive
from exportctl.cli import main
from exportctl.errors import InputTextError
from exportctl.suggest.input_text import check_text
from exportctl.textio import argument_text, decode_bytes

LASER = "We build a 200 W femtosecond fibre laser at 1030 nm for micromachining of glass."
QUBITS = "A trapped-ion quantum computer with 50 qubits and error correction at 4 K."
DETECTORS = "Infrared focal plane arrays of HgCdTe detectors cooled to 77 K for astronomy."


def _run(*args: str, stdin: bytes | str | None = None):
    return CliRunner().invoke(main, list(args), input=stdin)


def _batch(path: Path, rows: list[dict], *, encoding: str = "utf-8", bom: bool = False) -> Path:
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    return path


def _results(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# -- decoding ------------------------------------------------------------------------------------


def test_suggest_latin1_standard_input_is_a_clear_error_or_decoded_when_named():
    # The example: a degree sign from a Windows or Latin-1 terminal.
    data = "laser at 25 °C, 200 W femtosecond pulses at 1030 nm".encode("latin-1")
    refused = _run("suggest", "-", stdin=data)
    assert refused.exit_code == 2
    assert refused.stderr == (
        "error: [E140] standard input is not utf-8 text: byte 0xb0 at line 1, column 13 cannot "
        "be decoded. Save it as UTF-8, or name its encoding with --encoding (e.g. --encoding "
        "cp1252 for text from Windows).\n"
    )
    decoded = _run("suggest", "--json", "--encoding", "latin-1", "-", stdin=data)
    assert decoded.exit_code == 0, decoded.output
    report = json.loads(decoded.stdout)
    assert "6A005" in [c["entry"] for c in report["controls"][:5]]
    assert any(q["unit"] == "K" or q["text"] == "25 °C" for q in report["quantities"])


def test_suggest_unknown_encoding_is_a_clear_error():
    result = _run("suggest", "--encoding", "klingon", LASER)
    assert result.exit_code == 2
    assert "Unknown encoding 'klingon'" in result.stderr


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (b"\xef\xbb\xbf" + LASER.encode(), "utf-8"),  # a UTF-8 byte-order mark
        (LASER.encode("utf-16"), "utf-8"),  # UTF-16 with its mark, as Notepad saves it
        (LASER.encode("cp1252"), "cp1252"),
    ],
)
def test_decode_bytes_honours_a_byte_order_mark_or_the_named_encoding(data, encoding):
    assert decode_bytes(data, where="x", encoding=encoding) == LASER


def test_argument_with_undecodable_bytes_is_decoded_again_or_refused():
    # Python keeps an argument's undecodable bytes as lone surrogates (surrogateescape).
    argument = os.fsdecode("laser at 25 °C".encode("latin-1"))
    assert argument_text(argument, encoding="latin-1") == "laser at 25 °C"
    with pytest.raises(InputTextError, match="The TEXT argument is not utf-8 text: byte 0xb0"):
        argument_text(argument)


def test_check_text_replaces_lone_surrogates_and_says_so():
    checked = check_text("A femtosecond laser at 25 \udcb0C with 200 W output power at 1030 nm.")
    assert "\ufffd" in checked.text and "\udcb0" not in checked.text
    assert checked.warnings == (
        "1 character of the text could not be decoded and was replaced with '\ufffd': check the "
        "text's encoding.",
    )


def test_suggest_text_with_a_lone_surrogate_is_screened(suggester):
    # It crashed in spaCy (UnicodeEncodeError) and in the tokenizer (TypeError).
    result = suggester.suggest("We build a 200 W femtosecond laser \ud800 at 1030 nm for glass.")
    assert "6A005" in [c.entry for c in result.controls[:5]]
    assert any("could not be decoded" in w for w in result.warnings)


# -- batch input -----------------------------------------------------------------------------------


def test_batch_in_latin1_with_a_bom_and_a_lone_surrogate(tmp_path):
    out = tmp_path / "out.jsonl"
    rows = [{"id": "a", "text": LASER}, {"id": "b", "text": "Laser à 25 °C: " + LASER}]
    source = _batch(tmp_path / "in.jsonl", rows, encoding="cp1252")
    refused = _run("suggest", "--input", str(source), "--output", str(out))
    assert refused.exit_code == 2
    assert "in.jsonl is not utf-8 text: byte 0xe0 at line 2, column 28" in refused.stderr
    assert not out.exists() and _hidden(tmp_path) == []

    done = _run("suggest", "--input", str(source), "--output", str(out), "--encoding", "cp1252")
    assert done.exit_code == 0, done.output
    assert [r["id"] for r in _results(out)] == ["a", "b"]

    # A UTF-8 byte-order mark (Excel's "CSV UTF-8" habit), and a JSON "\ud800" in one text.
    source = tmp_path / "bom.jsonl"
    source.write_bytes(
        b"\xef\xbb\xbf"
        + json.dumps({"id": "s\udc80", "text": LASER + " \ud800"}).encode()
        + b"\n"
        + json.dumps({"id": "q", "text": QUBITS}).encode()
        + b"\n"
    )
    done = _run("suggest", "--input", str(source), "--output", str(out))
    assert done.exit_code == 0, done.output
    first, second = _results(out)
    assert first["id"] == "s\udc80"  # written back as the JSON escape it came as
    assert any("could not be decoded" in w for w in first["warnings"])
    assert second["controls"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [{"id": "a", "text": LASER}, {"id": "b", "text": QUBITS}, {"id": "a", "text": "x"}],
            "id a is used by records 1 and 3",
        ),
        (
            [{"id": "2", "text": LASER}, {"text": QUBITS}],
            "record 2 has no id and is given its number 2, which record 1 also uses as its id",
        ),
        (
            [{"id": 7, "text": LASER}, {"id": "7", "text": QUBITS}],
            "id 7 is used by records 1 and 2",
        ),
        ([{"id": ["x"], "text": LASER}], "record 1's id is not a string or a number"),
    ],
)
def test_batch_duplicate_and_colliding_ids_are_refused(tmp_path, rows, message):
    out = tmp_path / "out.jsonl"
    result = _run("suggest", "--input", str(_batch(tmp_path / "in.jsonl", rows)),
                  "--output", str(out))  # fmt: skip
    assert result.exit_code == 2
    assert message in result.stderr and "nothing was screened" in result.stderr
    assert not out.exists() and _hidden(tmp_path) == []


# -- batch output --------------------------------------------------------------------------------


def test_batch_output_equal_to_input_is_refused_and_the_input_kept(tmp_path, monkeypatch):
    source = _batch(tmp_path / "in.jsonl", [{"id": "a", "text": LASER}])
    before = source.read_bytes()
    monkeypatch.chdir(tmp_path)
    for given in (str(source), "in.jsonl", "./sub/../in.jsonl"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        result = _run("suggest", "--input", str(source), "--output", given)
        assert result.exit_code == 2
        assert "is the input file: writing it would destroy the texts" in result.stderr
    os.symlink(source, tmp_path / "link.jsonl")
    assert _run("suggest", "--input", str(source), "--output", "link.jsonl").exit_code == 2
    assert source.read_bytes() == before


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("file.txt/out.jsonl", "Cannot create the output folder"),
        ("file.txt/deeper/out.jsonl", "Cannot create the output folder"),
        (".", "is a folder: give the file to write"),
    ],
)
def test_batch_output_folder_that_cannot_be_written_is_a_clear_error(tmp_path, output, message):
    (tmp_path / "file.txt").write_text("a file, not a folder")
    source = _batch(tmp_path / "in.jsonl", [{"id": "a", "text": LASER}])
    result = _run("suggest", "--input", str(source), "--output", str(tmp_path / output))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: [E160] ") and message in result.stderr
    assert "Traceback" not in result.output


def test_batch_a_second_run_to_the_same_output_is_refused(tmp_path):
    source = _batch(tmp_path / "in.jsonl", [{"id": "a", "text": LASER}])
    out = tmp_path / "out.jsonl"
    # Another run holds the output (the lock the command takes, held here).
    with exclusive(tmp_path / ".out.jsonl.lock", str(out)):
        result = _run("suggest", "--input", str(source), "--output", str(out))
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: [E170] Another exportctl run (process {os.getpid()}) is writing {out}. Wait for "
        "it to finish, or choose another output.\n"
    )
    assert not out.exists()
    assert _run("suggest", "--input", str(source), "--output", str(out)).exit_code == 0
    assert _hidden(tmp_path) == []  # no lock, partial or settings file left


def test_batch_resume_keeps_the_ids_done_and_screens_only_the_rest(tmp_path):
    source = _batch(
        tmp_path / "in.jsonl", [{"id": "a", "text": LASER}, {"id": "b", "text": QUBITS}]
    )
    out = tmp_path / "out.jsonl"
    assert _run("suggest", "--input", str(source), "--output", str(out)).exit_code == 0
    # Mark the earlier results: a resumed run must copy them, not screen them again.
    marked = [{**r, "marker": "earlier run"} for r in _results(out)]
    out.write_text("".join(json.dumps(r) + "\n" for r in marked), encoding="utf-8")
    rows = [{"id": "c", "text": DETECTORS}, {"id": "a", "text": LASER}, {"id": "b", "text": QUBITS}]
    _batch(source, rows)
    result = _run("suggest", "--input", str(source), "--output", str(out), "--resume")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Wrote 3 results to {out}: 2 from the earlier run, 1 screened now (0 of them not "
        "screened).\n"
    )
    results = _results(out)
    assert [r["id"] for r in results] == ["c", "a", "b"]  # in input order
    assert [r.get("marker") for r in results] == [None, "earlier run", "earlier run"]
    assert _hidden(tmp_path) == []


def test_batch_resume_refuses_other_settings(tmp_path):
    source = _batch(tmp_path / "in.jsonl", [{"id": "a", "text": LASER}])
    out = tmp_path / "out.jsonl"
    (tmp_path / ".out.jsonl.partial").write_text("")
    earlier = {"top_k": 3, "nationalities": ["CN"], "level": None,
               "list_version": "uk-consolidated/2025-12-16"}  # fmt: skip
    (tmp_path / ".out.jsonl.partial.json").write_text(json.dumps(earlier))
    result = _run("suggest", "--input", str(source), "--output", str(out), "--resume")
    assert result.exit_code == 2
    assert "was made with other settings (nationalities, top_k)" in result.stderr
    assert not out.exists()


def test_batch_resume_needs_a_batch_with_an_output(tmp_path):
    source = _batch(tmp_path / "in.jsonl", [{"id": "a", "text": LASER}])
    for args in (["suggest", "--resume", LASER], ["suggest", "--input", str(source), "--resume"]):
        result = _run(*args)
        assert result.exit_code == 2 and "--resume" in result.stderr


@pytest.mark.slow  # the command in its own process, killed and resumed
def test_batch_killed_leaves_no_complete_looking_output_and_resumes(tmp_path):
    data = Path(__file__).parents[1] / "benchmarks" / "data" / "abstracts_dev.jsonl"
    records = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines()][:24]
    source = _batch(tmp_path / "in.jsonl", [{"id": r["id"], "text": r["text"]} for r in records])
    out = tmp_path / "out.jsonl"
    partial = tmp_path / ".out.jsonl.partial"
    env = {**os.environ, "EXPORTCTL_MODELS": str(models_as_cloned(tmp_path / "models"))}
    command = [sys.executable, "-c", "from exportctl.cli import main; main()", "suggest",
               "--input", str(source), "--output", str(out), "--jobs", "1"]  # fmt: skip
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE)
    while process.poll() is None and (
        not partial.exists() or partial.read_bytes().count(b"\n") < 3
    ):
        time.sleep(0.05)  # polling for the file, not timing anything
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not out.exists()
    done = partial.read_bytes().count(b"\n")
    assert 3 <= done < len(records)
    resumed = subprocess.run([*command, "--resume"], env=env, capture_output=True, text=True,
                             timeout=600)  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    assert f"{done} from the earlier run, {len(records) - done} screened now" in resumed.stdout
    assert [r["id"] for r in _results(out)] == [r["id"] for r in records]
    assert _hidden(tmp_path) == []
