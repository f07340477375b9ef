"""The imported HESA vocabulary and CAH3 code checks."""

from __future__ import annotations

import pytest

from exportctl.atas.defaults import CAH_DIR
from exportctl.atas.vocabulary import import_cah, load_vocabulary, normalise_cah3
from exportctl.errors import AtasInputError


def test_vocabulary_reimport_reproduces_committed_files(tmp_path):
    out = import_cah(out_dir=tmp_path)
    for name in ("cah3.csv", "hecos.csv"):
        assert (out / name).read_bytes() == (CAH_DIR / name).read_bytes()


def test_vocabulary_counts_and_hierarchy():
    vocabulary = load_vocabulary()
    assert len(vocabulary.subjects) == 166
    assert len(vocabulary.hecos) == 1092
    assert len({s.cah1 for s in vocabulary.subjects.values()}) == 21
    assert len({s.cah2 for s in vocabulary.subjects.values()}) == 35
    aero = vocabulary.subject("CAH10-01-04")
    assert (aero.label, aero.cah2, aero.cah1) == (
        "aeronautical and aerospace engineering",
        "CAH10-01",
        "CAH10",
    )
    assert vocabulary.hecos["100115"].cah3 == "CAH10-01-04"  # aerospace engineering


@pytest.mark.parametrize(
    "given,expected",
    [("CAH10-01-04", "CAH10-01-04"), (" cah10-01-04 ", "CAH10-01-04")],
)
def test_vocabulary_normalises_codes(given, expected):
    assert normalise_cah3(given) == expected


@pytest.mark.parametrize(
    "bad", ["CAH10-1-04", "CAH100104", "10-01-04", "CAH10-01", "", "CAH10-01-04a", None]
)
def test_vocabulary_rejects_malformed_codes(bad):
    with pytest.raises(AtasInputError, match="not a CAH3 code|must be text"):
        normalise_cah3(bad)


def test_vocabulary_rejects_unknown_code():
    with pytest.raises(AtasInputError, match="not a CAH v1.3.4 CAH3 code"):
        load_vocabulary().check_code("CAH08-01-02")
