"""Build the first ATAS rules version from the secondary sources in ``control_lists/sources/atas/``.

The listed CAH3 codes there were reconstructed from university and law-firm pages quoting
Appendix ATAS, each with its sources and a confidence. Codes that are not CAH v1.3.4 codes
(older CAH numbering, or unverified) cannot be listed as subjects; they are kept in the
``unresolved`` table with the source's words so an officer can map them. Levels of study, the
science/engineering areas that must never be answered "not required" while the list is
incomplete, and the UK-nationals row come from ``control_lists/atas/seed/``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from exportctl.atas.defaults import ATAS_SOURCE_DIR, RULES_DIR
from exportctl.atas.rules import RawTable, resolve_country, validate_table, write_version
from exportctl.atas.vocabulary import load_vocabulary
from exportctl.config import CONTROL_LISTS_DIR
from exportctl.errors import RulesError

SEED_DIR = CONTROL_LISTS_DIR / "atas" / "seed"
SEED_VERSION = "2026-08-14"
# The latest check date recorded in the source notes (atas_cah3.csv, CAH10-01-04 row); the
# official appendix page itself could not be read.
SEED_VERIFIED_ON = "2026-08-14"
SEED_NOTES = (
    "Reconstructed from university and law-firm pages quoting Appendix ATAS; the official "
    "page could not be read. The subject list is INCOMPLETE (no CAH01 or CAH06 codes, several "
    "areas thin) and the appendix qualifiers per code were not obtained.",
    "A third-party tracker (policies.freemovement.org.uk, change dated 2026-04-29) reports a "
    "2026 change to Appendix ATAS that could not be confirmed.",
    "No SOC 2020 researcher occupation codes were found; the superseded May 2021 SOC 2010 list "
    "is kept for reference in control_lists/sources/atas/ only.",
)


def _read(path: Path) -> list[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [(n, row) for n, row in enumerate(csv.DictReader(handle), start=2)]


def seed_tables(
    source_dir: Path = ATAS_SOURCE_DIR, seed_dir: Path = SEED_DIR
) -> dict[str, list[dict[str, str]]]:
    vocabulary = load_vocabulary()
    subjects, unresolved = [], []
    for number, row in _read(source_dir / "atas_cah3.csv"):
        code = row["cah3_code"].strip()
        if code in vocabulary.subjects:
            subjects.append(
                (
                    number,
                    {
                        "cah3_code": code,
                        "source_label": row["cah3_label"],
                        "levels": "",
                        "qualifier": row["qualifier"],
                        "sources": row["sources"],
                        "confidence": row["confidence"],
                    },
                )
            )
        else:
            unresolved.append(
                (
                    number,
                    {
                        "code": code,
                        "source_label": row["cah3_label"],
                        "note": f"not a CAH v{vocabulary.version} CAH3 code; {row['qualifier']}",
                        "sources": row["sources"],
                        "confidence": row["confidence"],
                    },
                )
            )
    nationalities = []
    for number, row in _read(source_dir / "atas_exempt_nationalities.csv"):
        nationalities.append(
            (
                number,
                {
                    "iso_code": resolve_country(row["country"]),
                    "country": row["country"],
                    "basis": "appendix-atas",
                    "sources": row["sources"],
                },
            )
        )
    for number, row in _read(seed_dir / "project_nationalities.csv"):
        nationalities.append((1000 + number, row))
    occupations = [
        (
            n,
            {
                "soc_code": r["soc_code"],
                "title": r["title"],
                "soc_version": "SOC 2020",
                "sources": r["sources"],
            },
        )
        for n, r in _read(source_dir / "atas_soc2020.csv")
    ]
    raw = {
        "subjects": RawTable("subjects", "atas_cah3.csv", subjects),
        "unresolved": RawTable("unresolved", "atas_cah3.csv", unresolved),
        "nationalities": RawTable("nationalities", "atas_exempt_nationalities.csv", nationalities),
        "occupations": RawTable("occupations", "atas_soc2020.csv", occupations),
        "levels": RawTable("levels", "seed/levels.csv", _read(seed_dir / "levels.csv")),
        "check_areas": RawTable(
            "check_areas", "seed/check_areas.csv", _read(seed_dir / "check_areas.csv")
        ),
    }
    return {kind: validate_table(table, vocabulary) for kind, table in raw.items()}


def build_seed_rules(rules_dir: Path = RULES_DIR) -> Path:
    """Write the first rules version; refuses if it exists already."""
    if not (ATAS_SOURCE_DIR / "atas_cah3.csv").is_file():
        raise RulesError(f"ATAS sources missing from {ATAS_SOURCE_DIR}.")
    tables = seed_tables()
    source = "control_lists/sources/atas/ (see PROVENANCE.md)"
    return write_version(
        tables,
        version=SEED_VERSION,
        verified_on=SEED_VERIFIED_ON,
        provenance={
            "subjects": f"{source}: atas_cah3.csv rows with CAH v1.3.4 codes",
            "unresolved": f"{source}: atas_cah3.csv rows whose codes are not CAH v1.3.4 codes",
            "nationalities": f"{source}: atas_exempt_nationalities.csv (ISO codes added with "
            "pycountry); plus control_lists/atas/seed/project_nationalities.csv",
            "occupations": f"{source}: atas_soc2020.csv (empty: no codes found)",
            "levels": "control_lists/atas/seed/levels.csv",
            "check_areas": "control_lists/atas/seed/check_areas.csv",
        },
        notes=SEED_NOTES,
        rules_dir=rules_dir,
    )
