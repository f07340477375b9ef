"""The saved indexes under models/ are checksummed and written whole: a damaged, cut or
reordered file is rebuilt (or refused), never loaded; a read-only models/ keeps the rebuilt
index in memory; a reader never crashes while another process rebuilds the same index."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from helpers_models import models_as_cloned

from exportctl.artefacts import FILES_KEY
from exportctl.cli import main
from exportctl.errors import IndexMismatchError
from exportctl.lists.store import ControlList
from exportctl.suggest.documents import indexed_codes
from exportctl.suggest.embedding import load_embedder
from exportctl.suggest.engine import (
    Suggester,
    index_dir,
    index_stamp,
    load_alias_texts,
    load_or_build_index,
    load_saved,
)
from exportctl.suggest.index import ClauseIndex
from exportctl.suggest.meaning_index import (
    MeaningIndex,
    load_or_build_meaning_index,
    meaning_documents,
    meaning_index_dir,
)


@pytest.fixture(scope="module")
def saved(control_list, tmp_path_factory):
    """The clause index built and saved once; each test damages a copy."""
    models = tmp_path_factory.mktemp("models")
    aliases = load_alias_texts(control_list)
    index = load_or_build_index(control_list, aliases, models)
    return models, aliases, index


@pytest.fixture()
def models(saved, tmp_path):
    folder = tmp_path / "models"
    shutil.copytree(saved[0], folder)
    return folder


def _load(control_list, aliases, models):
    folder = index_dir(models, control_list)
    return ClauseIndex.load(
        folder,
        expected_stamp={**index_stamp(control_list, aliases), "level": "clause"},
        expected_codes=indexed_codes(control_list),
    )


def _same(one: ClauseIndex, other: ClauseIndex) -> bool:
    return (
        one.codes == other.codes
        and (one.word_matrix != other.word_matrix).nnz == 0
        and (one.char_matrix != other.char_matrix).nnz == 0
        and np.array_equal(one.word_idf, other.word_idf)
        and np.array_equal(one.char_idf, other.char_idf)
    )


def _cut(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _reorder(path: Path) -> None:
    codes = json.loads(path.read_text())
    path.write_text(json.dumps([codes[1], codes[0], *codes[2:]]))


DAMAGE = {
    "word.npz cut short": ("word.npz", _cut, "word.npz does not match its checksum"),
    "char_idf.npy one byte changed": ("char_idf.npy", _flip, "char_idf.npy does not match"),
    "codes.json reordered": ("codes.json", _reorder, "codes.json does not match its checksum"),
    "codes.json deleted": ("codes.json", Path.unlink, "codes.json: No such file"),
    "params.json not JSON": ("params.json", lambda p: p.write_text("{"), "params.json:"),
    "params.json without checksums": (
        "params.json",
        lambda p: p.write_text(
            json.dumps({k: v for k, v in json.loads(p.read_text()).items() if k != FILES_KEY})
        ),  # fmt: skip
        "records no checksums",
    ),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_index_damaged_file_is_refused_then_rebuilt(control_list, saved, models, case):
    _, aliases, original = saved
    name, damage, message = DAMAGE[case]
    damage(index_dir(models, control_list) / name)
    with pytest.raises(IndexMismatchError, match="is damaged") as caught:
        _load(control_list, aliases, models)
    assert message in caught.value.message
    rebuilt = load_or_build_index(control_list, aliases, models)
    assert _same(rebuilt, original)
    assert _same(_load(control_list, aliases, models), original)  # and saved whole again


def test_index_reordered_with_its_checksum_redone_is_still_refused(control_list, saved, models):
    # Someone "mends" the checksum after reordering the codes: the order is checked against
    # the list itself, so suggestions can never be given under the wrong codes.
    import hashlib

    _, aliases, original = saved
    folder = index_dir(models, control_list)
    _reorder(folder / "codes.json")
    params = json.loads((folder / "params.json").read_text())
    params[FILES_KEY]["codes.json"] = hashlib.sha256(
        (folder / "codes.json").read_bytes()
    ).hexdigest()
    (folder / "params.json").write_text(json.dumps(params))
    with pytest.raises(IndexMismatchError, match="not the list's clauses in the list's order"):
        _load(control_list, aliases, models)
    assert _same(load_or_build_index(control_list, aliases, models), original)


def test_index_is_written_whole_under_a_hidden_name_then_renamed(control_list, saved, models):
    _, aliases, original = saved
    folder = index_dir(models, control_list)
    original.save(folder)  # over an existing index
    beside = [p.name for p in folder.parent.iterdir() if p.name != folder.name]
    # The index replaced stays a while under a hidden name, for readers still reading it.
    assert [name.split(".old-")[0] for name in beside] == [f".{folder.name}"]
    params = json.loads((folder / "params.json").read_text())
    assert sorted(params[FILES_KEY]) == [
        "char.npz", "char_idf.npy", "codes.json", "word.npz", "word_idf.npy",
    ]  # fmt: skip
    assert _same(_load(control_list, aliases, models), original)


def test_index_unwritable_models_folder_keeps_the_rebuild_in_memory(
    control_list, saved, tmp_path, caplog
):
    # models/ under a regular file: nothing can be written there, by anyone.
    _, aliases, original = saved
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with caplog.at_level(logging.WARNING):
        index = load_or_build_index(control_list, aliases, blocker / "models")
    assert _same(index, original)
    assert "it is used from memory for this run" in caplog.text


def test_engine_with_a_damaged_index_rebuilds_and_suggests(control_list, saved, tmp_path):
    models = models_as_cloned(tmp_path / "models")
    shutil.copytree(saved[0] / "clause-index", models / "clause-index")
    _cut(index_dir(models, control_list) / "char.npz")
    suggester = Suggester.load(control_list, models_dir=models)
    result = suggester.suggest("A 200 W femtosecond fibre laser at 1030 nm for micromachining.")
    assert "6A005" in [c.entry for c in result.controls[:5]]


# -- the meaning index, on the 24-clause test list (embedding it takes a second) -----------------


@pytest.fixture(scope="module")
def mini(mini_list_path, tmp_path_factory) -> ControlList:
    root = tmp_path_factory.mktemp("control_lists")
    result = CliRunner().invoke(
        main,
        ["import", str(mini_list_path), "--list-name", "mini", "--list-date", "2025-12-16",
         "--output", str(root)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return ControlList.load("mini", root=root)


@pytest.mark.parametrize(
    ("name", "damage"), [("vectors.npy", _cut), ("vectors.npy", _flip), ("codes.json", _reorder)]
)
def test_meaning_index_damaged_file_is_refused_then_rebuilt(mini, tmp_path, name, damage):
    embedder = load_embedder()
    original = load_or_build_meaning_index(mini, embedder, tmp_path)
    folder = meaning_index_dir(tmp_path, mini)
    damage(folder / name)
    with pytest.raises(IndexMismatchError, match=f"is damaged \\({name} does not match"):
        MeaningIndex.load(folder, mini)
    rebuilt = load_or_build_meaning_index(mini, embedder, tmp_path)
    assert rebuilt.codes == original.codes
    assert np.allclose(MeaningIndex.load(folder, mini).vectors, original.vectors, atol=1e-3)


class _CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, embedder) -> None:
        self.embedder = embedder
        self.dimension = embedder.dimension
        self.texts: list[str] = []

    def embed(self, texts):
        self.texts.extend(texts)
        return self.embedder.embed(texts)


def test_meaning_index_of_an_amended_list_embeds_only_the_changed_clauses(
    mini, mini_list_path, tmp_path
):
    """A new version of a list is embedded in seconds: clause texts the earlier version's saved
    index holds are taken from it, and the index equals one built from scratch."""
    root = tmp_path / "control_lists"
    amended_source = mini_list_path.parent / "mini-list-amended.txt"
    for source, date in ((mini_list_path, "2025-12-16"), (amended_source, "2026-06-01")):
        result = CliRunner().invoke(
            main,
            ["import", str(source), "--list-name", "mini", "--list-date", date,
             "--output", str(root)],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    old = ControlList.load("mini", "2025-12-16", root=root)
    new = ControlList.load("mini", "2026-06-01", root=root)
    models = tmp_path / "models"
    embedder = _CountingEmbedder(load_embedder())
    load_or_build_meaning_index(old, embedder, models, root=root)
    assert len(embedder.texts) == len(MeaningIndex.load(meaning_index_dir(models, old), old).codes)

    embedder.texts.clear()
    built = load_or_build_meaning_index(new, embedder, models, root=root)
    _codes, old_texts = meaning_documents(old)
    _codes, new_texts = meaning_documents(new)
    changed = [text for text in new_texts if text not in set(old_texts)]
    assert 0 < len(changed) < len(new_texts) / 2
    assert embedder.texts == changed  # only the new and changed clause texts
    scratch = MeaningIndex.build(new, load_embedder())
    assert built.codes == scratch.codes
    assert np.allclose(built.vectors, scratch.vectors, atol=2e-3)
    saved = MeaningIndex.load(meaning_index_dir(models, new), new)
    assert np.array_equal(saved.vectors, built.vectors)  # in memory as when loaded later

    # An earlier index whose list is no longer imported is passed over: all is embedded.
    shutil.rmtree(meaning_index_dir(models, new))
    shutil.rmtree(root / "mini" / "2025-12-16")
    embedder.texts.clear()
    load_or_build_meaning_index(new, embedder, models, root=root)
    assert embedder.texts == new_texts


def test_meaning_index_committed_for_the_shipped_list_passes_its_checks(control_list):
    from exportctl.config import MODELS_DIR

    index = MeaningIndex.load(meaning_index_dir(MODELS_DIR, control_list), control_list)
    assert len(index.codes) == index.vectors.shape[0] == 4010


# -- in its own processes ------------------------------------------------------------------------

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from exportctl.lists.store import ControlList
    from exportctl.suggest.engine import index_dir, index_stamp, load_alias_texts
    from exportctl.suggest.index import ClauseIndex
    from exportctl.suggest.documents import indexed_codes

    source, target, rounds = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    control_list = ControlList.load()
    stamp = {**index_stamp(control_list, load_alias_texts(control_list)), "level": "clause"}
    index = ClauseIndex.load(index_dir(source, control_list), expected_stamp=stamp,
                             expected_codes=indexed_codes(control_list))
    folder = index_dir(target, control_list)
    for _ in range(rounds):
        index.save(folder)
        print("saved", flush=True)
    """
)


@pytest.mark.slow  # two processes rebuild the index while this one reads it
def test_index_read_while_two_processes_rebuild_it_never_crashes(control_list, saved, tmp_path):
    source, aliases, original = saved
    target = tmp_path / "models"
    original.save(index_dir(target, control_list))
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(source), str(target), "25"],
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for _ in range(2)
    ]
    loads = refused = 0
    while any(w.poll() is None for w in writers):
        try:
            index = load_saved(lambda: _load(control_list, aliases, target))
        except IndexMismatchError:
            refused += 1  # the engine would rebuild; what matters is never a wrong index
            continue
        assert _same(index, original)
        loads += 1
    for writer in writers:
        out, _ = writer.communicate()
        assert writer.returncode == 0
        assert out.count("saved") == 25
    assert loads > 0
    assert _same(_load(control_list, aliases, target), original)
    folder = index_dir(target, control_list)
    left = [p.name for p in folder.parent.iterdir() if p.name != folder.name]
    assert all(name.startswith(f".{folder.name}.old-") for name in left)  # no staging left
    print(f"{loads} whole loads, {refused} read as being replaced (then rebuilt)")


def _read_only(folder: Path) -> list[str]:
    """A command prefix under which ``folder`` cannot be written: permissions suffice for an
    ordinary user; root also needs its override capability dropped (``setpriv``)."""
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir():
            path.chmod(0o555)
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: a folder cannot be made read-only")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]


@pytest.mark.slow  # the command in its own process
def test_suggest_with_a_stale_index_in_a_read_only_models_folder(control_list, saved, tmp_path):
    models = models_as_cloned(tmp_path / "models")
    shutil.copytree(saved[0] / "clause-index", models / "clause-index")
    params = index_dir(models, control_list) / "params.json"
    stamp = json.loads(params.read_text())
    stamp["libraries"]["scikit-learn"] = "0.0.1"  # made by another release
    params.write_text(json.dumps(stamp))
    prefix = _read_only(models)
    try:
        result = subprocess.run(
            [*prefix, sys.executable, "-c", "from exportctl.cli import main; main()",
             "suggest", "--json", "A 200 W femtosecond fibre laser at 1030 nm."],
            capture_output=True, text=True, timeout=300,
            env={**os.environ, "EXPORTCTL_MODELS": str(models)},
        )  # fmt: skip
    finally:
        for path in [models, *models.rglob("*")]:
            if path.is_dir():
                path.chmod(0o755)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "it is used from memory for this run" in result.stderr
    assert "6A005" in [c["entry"] for c in json.loads(result.stdout)["controls"][:5]]
    assert json.loads(params.read_text())["libraries"]["scikit-learn"] == "0.0.1"  # untouched
