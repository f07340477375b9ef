"""Fast integrity checks for the labelled research-abstract evaluation sets.

benchmarks/data/abstracts_dev.jsonl and abstracts_test.jsonl: every control-list label
must exist in the consolidated list text, every CAH3 code in the HESA CAH csv, ids must be
unique, and dev/test must not share ids or texts.
"""

import csv
import hashlib
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"
LIST_TXT = (
    ROOT
    / "control_lists"
    / "sources"
    / "uk-consolidated-2025-12-16"
    / "consolidated-list-2025-12-16.txt"
)
CAH_CSV = ROOT / "control_lists" / "sources" / "hecos-cah-1.3.4" / "cah_hierarchy_v1.3.4.csv"
FILES = {"dev": DATA / "abstracts_dev.jsonl", "test": DATA / "abstracts_test.jsonl"}

ENTRY_RE = r"(?:ML\d{1,2}|PL\d{4}|\d[A-E]\d{3})"
CODE_RE = re.compile(rf"^({ENTRY_RE})((?:\.[a-z0-9]{{1,2}})*)\.?$")
REQUIRED = {
    "id",
    "text",
    "title",
    "labels",
    "labels_entry_level",
    "justification",
    "cah3",
    "cah3_entry_level",
    "cah3_justification",
    "source",
    "licence",
    "domain",
    "area",
}


def _load(path):
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="module")
def splits():
    return {name: _load(path) for name, path in FILES.items()}


@pytest.fixture(scope="module")
def list_text():
    return LIST_TXT.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def entry_codes(list_text):
    # entries (and their page-continuation headers) start a line: "6A005 <tab>..."
    return set(re.findall(rf"(?m)^({ENTRY_RE})(?=\s|$)", list_text))


@pytest.fixture(scope="module")
def cah():
    with open(CAH_CSV, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {r["CAH3_Code"] for r in rows}, {r["CAH2_Code"] for r in rows}


def _all(splits):
    return [r for rows in splits.values() for r in rows]


def test_files_not_empty(splits):
    for name, rows in splits.items():
        assert rows, f"{name} split is empty"


def test_required_fields(splits):
    for r in _all(splits):
        missing = REQUIRED - set(r)
        assert not missing, (r.get("id"), missing)
        assert r["text"].strip() and r["source"].strip()


def test_ids_unique(splits):
    ids = [r["id"] for r in _all(splits)]
    assert len(ids) == len(set(ids))


def _normalised(text: str) -> str:
    return " ".join(text.split()).lower()


def test_dev_test_disjoint(splits):
    dev, test = splits["dev"], splits["test"]
    assert not {r["id"] for r in dev} & {r["id"] for r in test}
    assert not {_normalised(r["text"]) for r in dev} & {_normalised(r["text"]) for r in test}
    texts = [_normalised(r["text"]) for r in _all(splits)]
    assert len(texts) == len(set(texts)), "duplicate abstract text"


def test_labels_exist_in_list(splits, entry_codes):
    for r in _all(splits):
        labels = r["labels"]
        if labels == ["NOT_LISTED"]:
            assert r["labels_entry_level"] == ["NOT_LISTED"], r["id"]
            continue
        assert "NOT_LISTED" not in labels, r["id"]
        entries = []
        for code in labels:
            m = CODE_RE.match(code)
            assert m, f"{r['id']}: malformed code {code}"
            assert m.group(1) in entry_codes, f"{r['id']}: {m.group(1)} not in list text"
            assert code in r["justification"], f"{r['id']}: no justification for {code}"
            if m.group(1) not in entries:
                entries.append(m.group(1))
        assert r["labels_entry_level"] == entries, r["id"]


def test_justification_quotes_from_list(splits, list_text):
    # every quoted clause must appear in the list text (whitespace, margin regime markers
    # and page headers ignored)
    lines = [line for line in list_text.split("\n") if not re.search(r"\.docx|Page \d+ of", line)]
    stripped = re.sub(r"(?m)^\[[^\]\n]*\]?[ \t]*", "", "\n".join(lines))
    hay = " ".join(list_text.split()) + " || " + " ".join(stripped.split())
    for r in _all(splits):
        for code, j in r["justification"].items():
            quotes = j["list_text"] if isinstance(j["list_text"], list) else [j["list_text"]]
            for q in quotes:
                assert " ".join(q.split()) in hay, f"{r['id']} {code}: {q[:60]}"


def test_cah3_codes_exist(splits, cah):
    cah3, cah2 = cah
    for r in _all(splits):
        assert 1 <= len(r["cah3"]) <= 3, r["id"]
        for c in r["cah3"]:
            assert c in cah3, f"{r['id']}: unknown CAH3 {c}"
        for c in r["cah3_entry_level"]:
            assert c in cah2, f"{r['id']}: unknown CAH2 {c}"
        assert r["cah3_entry_level"] == list(dict.fromkeys(c[:8] for c in r["cah3"])), r["id"]


def test_split_rule(splits):
    # within each area, ids sorted by sha1 hex; the first round(0.4 * n) go to dev
    by_area = defaultdict(list)
    where = {}
    for name, rows in splits.items():
        for r in rows:
            by_area[r["area"]].append(r["id"])
            where[r["id"]] = name
    for area, ids in by_area.items():
        ids.sort(key=lambda i: hashlib.sha1(i.encode()).hexdigest())
        k = round(0.4 * len(ids))
        for pos, i in enumerate(ids):
            assert where[i] == ("dev" if pos < k else "test"), (area, i)


def test_areas_cover_the_lists(splits):
    # at least 25 technology areas, near-miss areas among the not-listed, every category
    rows = _all(splits)
    listed_areas = {r["area"] for r in rows if r["labels"] != ["NOT_LISTED"]}
    near_miss_areas = {r["area"] for r in rows if r["labels"] == ["NOT_LISTED"]}
    assert len(listed_areas) >= 25 and not listed_areas & near_miss_areas
    assert len(near_miss_areas) >= 5
    covered = {code[0] if code[0].isdigit() else code[:2] for r in rows for code in r["labels"]}
    assert set("0123456789") | {"ML", "PL"} <= covered
