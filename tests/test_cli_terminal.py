"""The real ``exportctl`` command as a person runs it, in its own process: a status line on a
terminal while the engine loads and an index is built, nothing but the results when piped or
with --quiet, text from standard input, ``-v`` logging and ``build-index``.

A terminal is a pseudo-terminal (``pty``) on standard error, as in a shell; standard output is
piped so the results can be read apart from the progress.
"""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers_models import models_as_cloned

from exportctl.cli import main
from exportctl.config import PROJECT_DIR
from exportctl.lists.store import ControlList
from exportctl.suggest.engine import index_dir, index_stamp, load_alias_texts, load_or_build_index
from exportctl.suggest.index import ClauseIndex
from exportctl.suggest.meaning_index import MeaningIndex, meaning_index_dir

pytestmark = pytest.mark.slow  # each test starts the command in its own process

LASER = "We build a 200 W femtosecond fibre laser at 1030 nm for micromachining of glass."
TIMEOUT = 300
CLEAR_LINE = "\r\x1b[K"


def exportctl(*args: str) -> list[str]:
    script = Path(sys.executable).with_name("exportctl")
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-c", "from exportctl.cli import main; main()", *args]


def environment(models: Path, control_lists: Path | None = None) -> dict[str, str]:
    env = {**os.environ, "EXPORTCTL_MODELS": str(models)}
    if control_lists is not None:
        env["EXPORTCTL_CONTROL_LISTS"] = str(control_lists)
    return env


def run_on_terminal(args: list[str], models: Path) -> tuple[int, str, str]:
    """Exit code, standard output, and what the terminal showed (standard error)."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=terminal,
        env=environment(models),
    )
    os.close(terminal)
    shown = bytearray()
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 1.0)
        if not ready:
            continue
        try:
            data = os.read(controller, 4096)
        except OSError:  # the process closed its end of the terminal
            break
        if not data:
            break
        shown += data
    os.close(controller)
    stdout, _ = process.communicate(timeout=TIMEOUT)
    return process.returncode, stdout.decode(), shown.decode()


def run_piped(
    args: list[str], models: Path, stdin: str = "", control_lists: Path | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        args,
        input=stdin,
        capture_output=True,
        text=True,
        env=environment(models, control_lists),
        timeout=TIMEOUT,
    )


@pytest.fixture(scope="module")
def built_models(control_list, tmp_path_factory) -> Path:
    """A models folder with both indexes already built, for runs that only load them."""
    models = models_as_cloned(tmp_path_factory.mktemp("built") / "models")
    aliases = load_alias_texts(control_list)
    for level in ("clause", "entry"):
        load_or_build_index(control_list, aliases, models, level=level)
    return models


def test_cli_terminal_shows_loading_and_index_building(tmp_path, control_list):
    models = models_as_cloned(tmp_path / "models")
    code, stdout, shown = run_on_terminal(exportctl("suggest", LASER), models)
    assert code == 0, shown
    assert "Loading the suggestion engine…" in shown
    assert "Building the clause index (once; it is saved for later runs)…" in shown
    # Each build leaves a line saying how long it took; the status line is cleared at the end.
    notes = [line for line in shown.replace(CLEAR_LINE, "\n").splitlines() if "Built" in line]
    assert [line.split(" in ")[0] for line in notes] == [
        "Built the clause index",
        "Built the entry index",
    ]
    assert shown.endswith(CLEAR_LINE)
    # The results go to standard output, untouched by the progress.
    assert stdout.startswith("exportctl suggestions (uk-consolidated/2025-12-16)")
    assert "6A005" in stdout and "\r" not in stdout
    assert (index_dir(models, control_list, "clause") / "params.json").exists()


def test_cli_terminal_quiet_shows_nothing(built_models):
    code, stdout, shown = run_on_terminal(exportctl("--quiet", "suggest", LASER), built_models)
    assert code == 0, shown
    assert shown == ""
    assert "6A005" in stdout


def test_cli_piped_text_from_standard_input_gives_only_results(tmp_path):
    # Piped standard error, an index still to build: no status line, no bar, no log.
    models = models_as_cloned(tmp_path / "models")
    result = run_piped(exportctl("suggest", "--json"), models, stdin=LASER)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    report = json.loads(result.stdout)
    assert "6A005" in [c["entry"] for c in report["controls"][:5]]
    assert any(q["unit"] == "W" and q["value"] == 200 for q in report["quantities"])


@pytest.fixture()
def mini_list_root(tmp_path, mini_list_path) -> Path:
    """A control-lists folder holding the 24-clause test list as the list 'mini' (with the
    shipped aliases), so that building every index, the meaning index too, takes seconds."""
    root = tmp_path / "control_lists"
    result = CliRunner().invoke(
        main,
        ["import", str(mini_list_path), "--list-name", "mini",
         "--list-date", "2025-12-16", "--output", str(root)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    shutil.copytree(PROJECT_DIR / "control_lists" / "aliases", root / "aliases")
    return root


def test_cli_verbose_build_index_rebuilds_and_logs_each_step(tmp_path, mini_list_root):
    mini = ControlList.load("mini", root=mini_list_root)
    aliases = load_alias_texts(mini)
    models = tmp_path / "models"
    current = load_or_build_index(mini, aliases, models)  # already current: rebuilt all the same
    result = run_piped(
        exportctl("--list", "mini", "-v", "build-index"), models, control_lists=mini_list_root
    )
    assert result.returncode == 0, result.stderr
    folders = {level: index_dir(models, mini, level) for level in ("clause", "entry")}
    assert result.stdout.splitlines() == [
        f"Built the clause index in {folders['clause']}",
        f"Built the entry index in {folders['entry']}",
        f"Built the meaning index in {meaning_index_dir(models, mini)}",
    ]
    log = result.stderr.splitlines()
    assert "INFO Building the clause index (once; it is saved for later runs)…" in log
    assert any(line.startswith("INFO Built the entry index in ") for line in log)
    assert "\r" not in result.stderr
    # What it saved is what the engine loads for this list, code and libraries.
    for level, folder in folders.items():
        stamp = {**index_stamp(mini, aliases), "level": level}
        loaded = ClauseIndex.load(folder, expected_stamp=stamp)
        if level == "clause":  # every clause in use ("not used" ones are not indexed)
            assert loaded.codes == current.codes == [c.code for c in mini if not c.not_used]
        else:
            assert loaded.codes == [entry.code for entry in mini.entries()]
    meaning = MeaningIndex.load(meaning_index_dir(models, mini), mini)
    assert meaning.codes == current.codes
