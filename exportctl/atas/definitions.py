"""HESA's definitions and scope notes of the HECoS subject terms.

HECoS names are short ("physics", "microbiology"); research abstracts rarely use them. HESA
publishes with every HECoS code a definition of the term and, where relevant, a scope note
("May include mechanics, optics, electricity, magnetism and acoustics ..."). Those texts give
the subject suggester more of the words researchers write, and they are the classification's
own words, so they can be cited as evidence.

The source is the HECoS vocabulary file as redistributed in Jisc's Unified Data Definitions
repository (``control_lists/cah/hecos-definitions/source/``, see PROVENANCE.md there); the import
keeps definitions and scope notes verbatim, takes each term's label and CAH3 code from the
v1.3.4 vocabulary, and records a source and licence on every row.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from exportctl.atas.defaults import HECOS_DEFINITIONS_DIR, HECOS_DEFINITIONS_SOURCE
from exportctl.atas.vocabulary import HECOS_PATTERN, CahVocabulary, load_vocabulary, sha256_of
from exportctl.errors import DatasetError

DEFINITIONS_FILE = "hecos_definitions.csv"
MANIFEST_FILE = "manifest.json"
SOURCE_REF = (
    "HESA HECoS vocabulary (term, definition, scope note), June 2017 file as redistributed in "
    "github.com/jiscdev/analytics-udd media/HECoS-Vocabulary.csv "
    "@ef5d6d3311852f77fbfa32dcdab8157d27b93f4b"
)
LICENCE = "CC-BY-4.0"
ATTRIBUTION = (
    "Contains HESA data: HECoS term definitions and scope notes, (c) HESA/Jisc, licensed under "
    "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)."
)
COLUMNS = (
    "hecos_code",
    "hecos_label",
    "cah3_code",
    "definition",
    "scope_note",
    "source",
    "licence",
)
# Scope-note sentences that only send the reader to another term ("For ceramics as materials
# science or technology, use materials science.") describe that other term, not this one.
_CROSS_REFERENCE = re.compile(r"(^|\W)(for\b[^.]*\buse\b|,\s*use\b|\buse\s+(the|one of)\b)", re.I)
_SENTENCE_END = re.compile(r"(?<=[.;])\s+")
_PARENTHETICAL_REFERENCE = re.compile(r"\((?:for [^()]*)?\buse [^()]*\)", re.I)


@dataclass(frozen=True)
class HecosDefinition:
    code: str
    label: str
    cah3: str
    definition: str
    scope_note: str
    source: str
    licence: str

    def descriptive_text(self) -> str:
        """The definition and the scope note's own sentences, without cross-references."""
        note = _PARENTHETICAL_REFERENCE.sub("", self.scope_note)
        kept = [
            s for s in _SENTENCE_END.split(note) if s.strip() and not _CROSS_REFERENCE.search(s)
        ]
        return " ".join([self.definition, *kept]).strip()


def _same_label(source_label: str, label: str) -> bool:
    """Labels agree up to case and characters the source file lost (U+FFFD)."""
    a, b = source_label.strip().lower(), label.strip().lower()
    if len(a) != len(b):
        return False
    return all(x == y or x == "\ufffd" for x, y in zip(a, b, strict=True))


def import_hecos_definitions(
    source: Path = HECOS_DEFINITIONS_SOURCE,
    out_dir: Path = HECOS_DEFINITIONS_DIR,
    *,
    vocabulary: CahVocabulary | None = None,
) -> Path:
    """Import the HECoS vocabulary file (code, term, definition, scope note; no header row).

    Every code must be a HECoS code of the CAH vocabulary with the same label; every HECoS code
    of the vocabulary must have a definition. Writes a normalised CSV and a manifest with the
    sha256 of the source and of the output.
    """
    vocabulary = vocabulary or load_vocabulary()
    if not source.is_file():
        raise DatasetError(f"Missing HECoS definitions source {source}.")
    rows: dict[str, dict[str, str]] = {}
    with source.open(newline="", encoding="utf-8") as handle:
        for line, record in enumerate(csv.reader(handle), start=1):
            if len(record) != 4:
                raise DatasetError(f"{source.name} line {line}: expected 4 columns.")
            code, label, definition, scope_note = (value.strip() for value in record)
            if not HECOS_PATTERN.match(code) or code in rows:
                raise DatasetError(f"{source.name} line {line}: bad or repeated code '{code}'.")
            hecos = vocabulary.hecos.get(code)
            if hecos is None or not _same_label(label, hecos.label):
                raise DatasetError(
                    f"{source.name} line {line}: HECoS {code} '{label}' is not in CAH "
                    f"v{vocabulary.version} under that label."
                )
            if not definition:
                raise DatasetError(f"{source.name} line {line}: HECoS {code} has no definition.")
            rows[code] = {
                "hecos_code": code,
                "hecos_label": hecos.label,
                "cah3_code": hecos.cah3,
                "definition": " ".join(definition.split()),
                "scope_note": " ".join(scope_note.split()),
                "source": SOURCE_REF,
                "licence": LICENCE,
            }
    missing = sorted(set(vocabulary.hecos) - set(rows))
    if missing:
        raise DatasetError(f"{source.name}: no definition for HECoS {', '.join(missing[:5])}.")
    out_dir.mkdir(parents=True, exist_ok=True)
    out_path = out_dir / DEFINITIONS_FILE
    with out_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows[code] for code in sorted(rows))
    manifest = {
        "name": "hesa-hecos-definitions",
        "cah_version": vocabulary.version,
        "attribution": ATTRIBUTION,
        "licence": LICENCE,
        "source": SOURCE_REF,
        "sources": {source.name: sha256_of(source)},
        "files": {DEFINITIONS_FILE: sha256_of(out_path)},
        "counts": {
            "definitions": len(rows),
            "scope_notes": sum(1 for r in rows.values() if r["scope_note"]),
        },
    }
    (out_dir / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return out_dir


@lru_cache(maxsize=4)
def load_hecos_definitions(directory: Path = HECOS_DEFINITIONS_DIR) -> dict[str, HecosDefinition]:
    """HECoS definitions by HECoS code, checked against the manifest's checksum."""
    manifest_path = directory / MANIFEST_FILE
    if not manifest_path.is_file():
        raise DatasetError(
            f"No HECoS definitions at {directory}. Run 'exportctl atas-rules "
            "import-hecos-definitions' first."
        )
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for name, digest in manifest["files"].items():
        if sha256_of(directory / name) != digest:
            raise DatasetError(f"{directory / name} does not match its manifest checksum.")
    with (directory / DEFINITIONS_FILE).open(newline="", encoding="utf-8") as handle:
        return {
            r["hecos_code"]: HecosDefinition(
                r["hecos_code"],
                r["hecos_label"],
                r["cah3_code"],
                r["definition"],
                r["scope_note"],
                r["source"],
                r["licence"],
            )
            for r in csv.DictReader(handle)
        }
