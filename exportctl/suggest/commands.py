"""CLI commands: ``suggest`` (one text or a JSONL batch), ``build-index`` and ``evaluate``."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import click
from tqdm import tqdm

from exportctl import progress
from exportctl.config import DEFAULT_TOP_K
from exportctl.errors import ExportctlError, InputTextError
from exportctl.jsonl import read_jsonl
from exportctl.suggest.result import SuggestionResult


def _suggester():
    with progress.status("Loading the suggestion engine"):
        from exportctl.suggest.engine import Suggester

        return Suggester.load()


@click.command("suggest")
@click.argument("text", required=False)
@click.option("--input", "input_path", type=click.Path(path_type=Path),
              help='JSONL file, one {"id": ..., "text": ...} per line.')  # fmt: skip
@click.option("--output", "output_path", type=click.Path(path_type=Path),
              help="Where to write the JSONL results (default: standard output).")  # fmt: skip
@click.option("--top-k", default=DEFAULT_TOP_K, show_default=True, type=click.IntRange(1, 100))
@click.option(
    "--nationality",
    "nationalities",
    multiple=True,
    help="Visitor's nationality (ISO code) for the ATAS assessment; repeat for dual.",
)
@click.option("--level", help="Visitor's level, e.g. research, taught-masters, undergraduate.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output for one text.")
def suggest_command(
    text: str | None,
    input_path: Path | None,
    output_path: Path | None,
    top_k: int,
    nationalities: tuple[str, ...],
    level: str | None,
    as_json: bool,
) -> None:
    """Suggest control entries (and CAH3 subjects, ATAS) for TEXT or a JSONL batch.

    These are suggestions for an export-control officer to review, not a classification.
    """
    if input_path is not None:
        _suggest_batch(input_path, output_path, top_k, list(nationalities), level)
        return
    if text is None or text == "-":
        text = sys.stdin.read()
    suggester = _suggester()
    result = suggester.suggest(
        text, top_k=top_k, nationalities=list(nationalities) or None, level=level
    )
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render(result))


def _suggest_batch(
    input_path: Path,
    output_path: Path | None,
    top_k: int,
    nationalities: list[str],
    level: str | None,
) -> None:
    rows = _read_batch(input_path)
    suggester = _suggester()
    if output_path:
        output_path.parent.mkdir(parents=True, exist_ok=True)
    out = output_path.open("w", encoding="utf-8") if output_path else sys.stdout
    failed = 0
    try:
        bar = tqdm(
            rows,
            desc="Screening",
            unit="text",
            disable=len(rows) < 20 or progress.bar_disabled(),
            file=sys.stderr,
        )
        for row in bar:
            try:
                result = suggester.suggest(
                    row["text"],
                    text_id=row["id"],
                    top_k=top_k,
                    nationalities=nationalities or None,
                    level=level,
                )
                record = result.to_dict()
            except InputTextError as error:
                failed += 1
                record = {"id": row["id"], "controls": [], "error": error.message}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    finally:
        if output_path:
            out.close()
    if output_path:
        click.echo(f"Wrote {len(rows)} results to {output_path} ({failed} texts not screened).")


def _read_batch(path: Path) -> list[dict]:
    """The batch's rows, all checked before anything is screened."""
    if not path.exists():
        raise InputTextError(f"Input file not found: {path}")
    rows = read_jsonl(path, error=InputTextError)
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or "text" not in row:
            raise InputTextError(
                f'{path} record {number} needs {{"id": ..., "text": ...}}; nothing was screened.'
            )
        row.setdefault("id", str(number))
    return rows


def render(result: SuggestionResult) -> str:
    """A readable report of one result."""
    lines = [f"exportctl suggestions ({result.list_version})", result.disclaimer, ""]
    for warning in result.warnings:
        lines.append(f"! {warning}")
    if not result.controls:
        lines.append("No control entry matched. That is not a 'not controlled' finding.")
    for rank, candidate in enumerate(result.controls, start=1):
        via = f"  [software/technology for {candidate.via}]" if candidate.via else ""
        lines.append(f"{rank:>2}. {candidate.code:<16} score {candidate.score:.3f}{via}")
        lines.append(textwrap.fill(candidate.title, 96, initial_indent="     ",
                                   subsequent_indent="     "))  # fmt: skip
        words = [e.abstract_text for e in candidate.evidence if e.abstract_text]
        if words:
            lines.append("     matched: " + ", ".join(dict.fromkeys(words)))
        for check in candidate.thresholds:
            detail = f" (abstract: {check.observed})" if check.observed else ""
            ask = f" — {check.question}" if check.status != "met" and check.question else ""
            lines.append(f"     threshold {check.condition!r}: {check.status}{detail}{ask}")
        if candidate.related:
            lines.append("     software/technology entries: " + ", ".join(candidate.related))
    lines.append("")
    lines.append("Questions that decide most research cases:")
    for question in result.questions:
        lines.append(textwrap.fill(f"- {question.text}", 96, subsequent_indent="  "))
        if question.hint:
            lines.append(textwrap.fill(f"  ({question.hint})", 96, subsequent_indent="   "))
    if result.subjects:
        lines.append("")
        lines.append(
            "CAH3 subjects: " + ", ".join(f"{s.cah3} {s.label}" for s in result.subjects[:5])
        )
    if result.atas is not None:
        atas = result.atas
        lines.append(f"ATAS: {atas.result} (rules {atas.rules_version})")
        lines.extend(f"  - {reason}" for reason in atas.reasons)
    return "\n".join(lines)


@click.command("build-index")
def build_index_command() -> None:
    """Build (or rebuild) the suggestion index for the loaded list under models/."""
    from exportctl.config import MODELS_DIR
    from exportctl.lists.store import ControlList
    from exportctl.suggest.engine import index_dir, load_alias_texts, load_or_build_index

    with progress.status("Loading the control list"):
        control_list = ControlList.load()
        aliases = load_alias_texts(control_list)
        for level in ("clause", "entry"):
            folder = index_dir(MODELS_DIR, control_list, level)
            if (folder / "params.json").exists():
                (folder / "params.json").unlink()
            load_or_build_index(control_list, aliases, MODELS_DIR, level=level)
            click.echo(f"Built the {level} index in {folder}")


@click.command("evaluate")
@click.option(
    "--data",
    "paths",
    multiple=True,
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="Labelled JSONL (repeatable): control labels and/or CAH3 labels.",
)
@click.option("--json", "as_json", is_flag=True)
@click.option("--show-misses", is_flag=True, help="List listed records missed in the top 5.")
def evaluate_command(paths: tuple[Path, ...], as_json: bool, show_misses: bool) -> None:
    """Recall@1/5/10 and MRR of the pipeline and a BM25 baseline; CAH3 accuracy."""
    from exportctl.suggest.baseline import BM25Baseline
    from exportctl.suggest.evaluation import (
        baseline_ranker,
        format_table,
        pipeline_ranker,
        read_records,
        score_ranker,
    )

    suggester = _suggester()
    baseline = BM25Baseline(suggester.control_list)
    report = []
    for path in paths:
        records = read_records(path)
        entry = {"file": str(path), "records": len(records)}
        labelled = [r for r in records if r.get("labels_entry_level") and
                    not str(r["labels_entry_level"][0]).startswith("CAH")]  # fmt: skip
        if labelled:
            pipeline = score_ranker("pipeline", pipeline_ranker(suggester), labelled)
            bm25 = score_ranker("bm25", baseline_ranker(baseline), labelled)
            entry["controls"] = [pipeline.as_dict(), bm25.as_dict()]
            entry["misses"] = pipeline.misses
        if any("cah3" in r or "hecos_code" in r for r in records):
            from exportctl.atas.evaluation import evaluate_subjects

            try:
                entry["subjects"] = evaluate_subjects(path)
            except ExportctlError as error:
                entry["subjects_error"] = error.message
        report.append(entry)
        if as_json:
            continue
        click.echo(f"== {path} ({len(records)} records)")
        if "controls" in entry:
            click.echo(format_table(entry["controls"]))
            if show_misses and entry["misses"]:
                click.echo("missed in top 5:\n  " + "\n  ".join(entry["misses"]))
        if "subjects" in entry:
            subjects = entry["subjects"]
            click.echo(
                f"CAH3 subjects: top-1 {subjects.get('top1')}, top-3 {subjects.get('top3')} "
                f"(n={subjects.get('n')}; {subjects.get('method', subjects.get('split', ''))})"
            )
    if as_json:
        click.echo(json.dumps(report, indent=2, default=str))


COMMANDS = [suggest_command, build_index_command, evaluate_command]
