"""The HESA subject vocabulary: CAH v1.3.4 (CAH1 > CAH2 > CAH3) and the HECoS-to-CAH3 mapping.

The project keeps its own copy under ``control_lists/cah/<version>/`` (imported from the HESA
files in ``control_lists/sources/hecos-cah-1.3.4/``) so that a fresh clone works offline and the
files are checksummed in a manifest.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from exportctl.atas.defaults import CAH_DIR, CAH_SOURCE_DIR, CAH_VERSION
from exportctl.checksums import sha256_of
from exportctl.errors import AtasInputError, DatasetError

CAH3_PATTERN = re.compile(r"^CAH(\d{2})-(\d{2})-(\d{2})$")
HECOS_PATTERN = re.compile(r"^\d{6}$")

HIERARCHY_SOURCE = "cah_hierarchy_v1.3.4.csv"
MAPPING_SOURCE = "hecos_cah_mapping_v1.3.4.csv"
CAH3_FILE = "cah3.csv"
HECOS_FILE = "hecos.csv"
MANIFEST_FILE = "manifest.json"
ATTRIBUTION = (
    "Contains HESA data: HECoS and the Common Aggregation Hierarchy (CAH) v1.3.4, "
    "(c) HESA/Jisc, licensed under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)."
)


@dataclass(frozen=True)
class Cah3Subject:
    code: str
    label: str
    cah2: str
    cah2_label: str
    cah1: str
    cah1_label: str


@dataclass(frozen=True)
class HecosSubject:
    code: str
    label: str
    cah3: str


@dataclass(frozen=True)
class CahVocabulary:
    """CAH3 subjects and HECoS subjects of one CAH version."""

    version: str
    subjects: dict[str, Cah3Subject]  # by CAH3 code, in code order
    hecos: dict[str, HecosSubject]  # by HECoS code

    def subject(self, code: str) -> Cah3Subject:
        """The CAH3 subject for a code; raises AtasInputError for a malformed or unknown code."""
        return self.subjects[self.check_code(code)]

    def check_code(self, code: str) -> str:
        """Normalise a CAH3 code ("cah10-01-04 " -> "CAH10-01-04") and check it exists."""
        normalised = normalise_cah3(code)
        if normalised not in self.subjects:
            raise AtasInputError(
                f"'{normalised}' is not a CAH v{self.version} CAH3 code. Use "
                "'exportctl subjects \"<text>\"' to find codes, or check the HESA CAH list."
            )
        return normalised

    def hecos_for(self, cah3: str) -> list[HecosSubject]:
        return [h for h in self.hecos.values() if h.cah3 == cah3]


def normalise_cah3(code: str) -> str:
    """Upper-case and trim a CAH3 code, raising AtasInputError when it is not CAHnn-nn-nn."""
    if not isinstance(code, str):
        raise AtasInputError(f"A CAH3 code must be text such as 'CAH10-01-04', not {code!r}.")
    normalised = code.strip().upper()
    if not CAH3_PATTERN.match(normalised):
        raise AtasInputError(
            f"'{code}' is not a CAH3 code: expected the form CAHnn-nn-nn, e.g. 'CAH10-01-04'."
        )
    return normalised


def import_cah(source_dir: Path = CAH_SOURCE_DIR, out_dir: Path = CAH_DIR) -> Path:
    """Import the HESA CAH hierarchy and HECoS mapping into the project's data directory.

    Checks that every HECoS subject maps to a CAH3 code of the hierarchy and that labels agree,
    then writes normalised CSVs and a manifest with checksums of sources and outputs.
    """
    hierarchy_path = source_dir / HIERARCHY_SOURCE
    mapping_path = source_dir / MAPPING_SOURCE
    for path in (hierarchy_path, mapping_path):
        if not path.is_file():
            raise DatasetError(f"Missing CAH source file {path}.")
    subjects: dict[str, dict[str, str]] = {}
    with hierarchy_path.open(newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            code = row["CAH3_Code"].strip()
            if not CAH3_PATTERN.match(code) or code in subjects:
                raise DatasetError(f"{hierarchy_path.name} row {line}: bad or repeated '{code}'.")
            subjects[code] = {
                "cah3_code": code,
                "cah3_label": row["CAH3_Label"].strip(),
                "cah2_code": row["CAH2_Code"].strip(),
                "cah2_label": row["CAH2_Label"].strip(),
                "cah1_code": row["CAH1_Code"].strip(),
                "cah1_label": row["CAH1_Label"].strip(),
            }
    hecos: dict[str, dict[str, str]] = {}
    with mapping_path.open(newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            code, cah3 = row["HECoS_Code"].strip(), row["CAH3_Code"].strip()
            if not HECOS_PATTERN.match(code) or code in hecos:
                raise DatasetError(f"{mapping_path.name} row {line}: bad or repeated '{code}'.")
            if cah3 not in subjects or subjects[cah3]["cah3_label"] != row["CAH3_Label"].strip():
                raise DatasetError(f"{mapping_path.name} row {line}: CAH3 '{cah3}' disagrees.")
            hecos[code] = {
                "hecos_code": code,
                "hecos_label": row["HECoS_Label"].strip(),
                "cah3_code": cah3,
            }
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_csv(out_dir / CAH3_FILE, sorted(subjects.values(), key=lambda r: r["cah3_code"]))
    _write_csv(out_dir / HECOS_FILE, sorted(hecos.values(), key=lambda r: r["hecos_code"]))
    manifest = {
        "name": "hesa-cah",
        "version": CAH_VERSION,
        "attribution": ATTRIBUTION,
        "licence": "CC-BY-4.0",
        "sources": {p.name: sha256_of(p) for p in (hierarchy_path, mapping_path)},
        "files": {name: sha256_of(out_dir / name) for name in (CAH3_FILE, HECOS_FILE)},
        "counts": {"cah3": len(subjects), "hecos": len(hecos)},
    }
    (out_dir / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return out_dir


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@lru_cache(maxsize=4)
def load_vocabulary(directory: Path = CAH_DIR) -> CahVocabulary:
    """Load the imported vocabulary, checking the manifest's checksums."""
    manifest_path = directory / MANIFEST_FILE
    if not manifest_path.is_file():
        raise DatasetError(
            f"No CAH vocabulary at {directory}. Run 'exportctl atas-rules import-cah' first."
        )
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for name, digest in manifest["files"].items():
        if sha256_of(directory / name) != digest:
            raise DatasetError(f"{directory / name} does not match its manifest checksum.")
    with (directory / CAH3_FILE).open(newline="", encoding="utf-8") as handle:
        subjects = {
            r["cah3_code"]: Cah3Subject(
                r["cah3_code"],
                r["cah3_label"],
                r["cah2_code"],
                r["cah2_label"],
                r["cah1_code"],
                r["cah1_label"],
            )
            for r in csv.DictReader(handle)
        }
    with (directory / HECOS_FILE).open(newline="", encoding="utf-8") as handle:
        hecos = {
            r["hecos_code"]: HecosSubject(r["hecos_code"], r["hecos_label"], r["cah3_code"])
            for r in csv.DictReader(handle)
        }
    return CahVocabulary(version=manifest["version"], subjects=subjects, hecos=hecos)
