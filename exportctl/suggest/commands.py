"""CLI commands: ``suggest`` (one text or a JSONL batch), ``build-index``, ``train-ranker``
and ``evaluate``."""

from __future__ import annotations

import contextlib
import json
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import click
from tqdm import tqdm

from exportctl import progress
from exportctl.config import DEFAULT_TOP_K, PROJECT_DIR
from exportctl.errors import ExportctlError, InputTextError, OutputError
from exportctl.suggest.batch_files import id_key
from exportctl.suggest.result import SuggestionResult
from exportctl.textio import DEFAULT_ENCODING, argument_text, check_encoding, read_stream

DEV_DATA = PROJECT_DIR / "benchmarks" / "data" / "abstracts_dev.jsonl"


def _progress_bar():
    """A progress callback drawing one bar per task on a terminal (silent when piped)."""
    bars: dict[str, tqdm] = {}

    def update(task: str, done: int, total: int) -> None:
        bar = bars.get(task)
        if bar is None:
            bar = bars[task] = tqdm(total=total, desc=task, unit="item", file=sys.stderr,
                                    disable=progress.bar_disabled())  # fmt: skip
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return update


def _suggester():
    with progress.status("Loading the suggestion engine"):
        from exportctl.suggest.engine import Suggester

        return Suggester.load(progress=_progress_bar())


@click.command("suggest")
@click.argument("text", required=False)
@click.option("--input", "input_path", type=click.Path(path_type=Path),
              help='JSONL file, one {"id": ..., "text": ...} per line.')  # fmt: skip
@click.option("--output", "output_path", type=click.Path(path_type=Path),
              help="Where to write the JSONL results (default: standard output).")  # fmt: skip
@click.option("--resume", is_flag=True,
              help="Continue a batch to --output that was stopped: screen only the ids not "
              "done yet.")  # fmt: skip
@click.option("--encoding", default=DEFAULT_ENCODING, show_default=True,
              help="Encoding of standard input or the --input file (e.g. cp1252).")  # fmt: skip
@click.option("--top-k", default=DEFAULT_TOP_K, show_default=True, type=click.IntRange(1, 100))
@click.option(
    "--nationality",
    "nationalities",
    multiple=True,
    help="Visitor's nationality (ISO code) for the ATAS assessment; repeat for dual.",
)
@click.option("--level", help="Visitor's level, e.g. research, taught-masters, undergraduate.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output for one text.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="Worker processes for a batch (default: one per core).")  # fmt: skip
def suggest_command(
    text: str | None,
    input_path: Path | None,
    output_path: Path | None,
    resume: bool,
    encoding: str,
    top_k: int,
    nationalities: tuple[str, ...],
    level: str | None,
    as_json: bool,
    jobs: int | None,
) -> None:
    """Suggest control entries (and CAH3 subjects, ATAS) for TEXT or a JSONL batch.

    These are suggestions for an export-control officer to review, not a classification.
    TEXT '-' (or none) reads standard input.
    """
    check_encoding(encoding)
    if input_path is not None:
        batch = BatchOptions(top_k, list(nationalities), level, jobs, encoding, resume)
        _suggest_batch(input_path, output_path, batch)
        return
    if resume or output_path is not None:
        raise InputTextError("--output and --resume are for a batch: give --input FILE too.")
    if text is None or text == "-":
        text = read_stream(encoding=encoding)
    else:
        text = argument_text(text, encoding=encoding)
    suggester = _suggester()
    result = suggester.suggest(
        text, top_k=top_k, nationalities=list(nationalities) or None, level=level
    )
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render(result))


@dataclass(frozen=True)
class BatchOptions:
    top_k: int
    nationalities: list[str]
    level: str | None
    jobs: int | None
    encoding: str
    resume: bool


def _suggest_batch(input_path: Path, output_path: Path | None, options: BatchOptions) -> None:
    from exportctl.lists.store import resolve_version
    from exportctl.suggest.batch import default_jobs, screen_rows
    from exportctl.suggest.batch_files import BatchOutput, check_output, read_batch, result_line

    rows = read_batch(input_path, encoding=options.encoding)
    if output_path is None:
        if options.resume:
            raise InputTextError("--resume continues a batch written to a file: give --output.")
        output = None
    else:
        check_output(output_path, input_path)
        settings = {
            "top_k": options.top_k,
            "nationalities": options.nationalities,
            "level": options.level,
            "list_version": "/".join(resolve_version()),
        }
        output = BatchOutput(output_path, settings, resume=options.resume)
    with output or contextlib.nullcontext():
        done = output.done.ids if output else set()
        todo = [row for row in rows if id_key(row["id"]) not in done]
        jobs = options.jobs or default_jobs()
        engine = None
        if todo and (jobs <= 1 or len(todo) < 4 * jobs):
            engine = _suggester()
        elif todo:
            from exportctl.suggest.engine import build_missing_indexes

            with progress.status("Checking the suggestion indexes"):
                build_missing_indexes(progress=_progress_bar())
        failed = 0
        results = (
            iter(())
            if not todo
            else screen_rows(
                todo,
                jobs=jobs,
                top_k=options.top_k,
                level=options.level,
                nationalities=options.nationalities or None,
                engine=engine,
            )
        )
        bar = tqdm(results, total=len(todo), desc="Screening", unit="text",
                   disable=len(todo) < 20 or progress.bar_disabled(), file=sys.stderr)  # fmt: skip
        try:
            for record in bar:
                failed += "error" in record
                if output is None:
                    sys.stdout.write(result_line(record))
                else:
                    output.write(record)
        except KeyboardInterrupt:
            if output is None:
                raise
            click.echo(
                f"\nInterrupted: {output_path} was not written; the results so far are kept. "
                "Run the same command with --resume to continue.",
                err=True,
            )
            sys.exit(130)
        if output is not None:
            output.finish(row["id"] for row in rows)
    if output_path and not options.resume:
        click.echo(f"Wrote {len(rows)} results to {output_path} ({failed} texts not screened).")
    elif output_path:
        click.echo(
            f"Wrote {len(rows)} results to {output_path}: {len(rows) - len(todo)} from the "
            f"earlier run, {len(todo)} screened now ({failed} of them not screened)."
        )


def render(result: SuggestionResult) -> str:
    """A readable report of one result: the verdict first, then the candidates."""
    from exportctl.suggest.verdict import VERDICT_LABELS

    lines = [f"exportctl suggestions ({result.list_version})", result.disclaimer, ""]
    if result.screening is not None:
        label = VERDICT_LABELS.get(result.screening.verdict, result.screening.verdict)
        lines.append(f"Screening: {label.upper()}")
        lines.append(textwrap.fill(result.screening.reason, 96, initial_indent="  ",
                                   subsequent_indent="  "))  # fmt: skip
        lines.append("")
    for warning in result.warnings:
        lines.append(f"! {warning}")
    if not result.controls:
        lines.append("No control entry matched. That is not a 'not controlled' finding.")
    for rank, candidate in enumerate(result.controls, start=1):
        via = f"  [software/technology for {candidate.via}]" if candidate.via else ""
        lines.append(f"{rank:>2}. {candidate.code:<16} score {candidate.score:.2f}{via}")
        lines.append(textwrap.fill(candidate.title, 96, initial_indent="     ",
                                   subsequent_indent="     "))  # fmt: skip
        if candidate.reason:
            lines.append(textwrap.fill(candidate.reason, 96, initial_indent="     why: ",
                                       subsequent_indent="          "))  # fmt: skip
        if candidate.fit == "contradicted":
            lines.append("     the abstract's values look outside this clause's conditions")
        for check in candidate.thresholds:
            detail = f" (abstract: {check.observed})" if check.observed else ""
            ask = f" — {check.question}" if check.status != "met" and check.question else ""
            lines.append(
                f"     threshold {check.clause_code} {check.condition!r}: {check.status}"
                f"{detail}{ask}"
            )
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
    """Build (or rebuild) the suggestion indexes for the loaded list under models/: the word
    and character indexes and the meaning index (the list's clauses embedded once)."""
    from exportctl.config import MODELS_DIR
    from exportctl.lists.store import ControlList
    from exportctl.suggest.embedding import load_embedder
    from exportctl.suggest.engine import build_index, index_dir, index_stamp, load_alias_texts
    from exportctl.suggest.meaning_index import (
        MeaningIndex,
        earlier_vectors,
        meaning_index_dir,
    )

    with progress.status("Loading the control list"):
        control_list = ControlList.load()
        aliases = load_alias_texts(control_list)
        for level in ("clause", "entry"):
            folder = index_dir(MODELS_DIR, control_list, level)
            stamp = {**index_stamp(control_list, aliases), "level": level}
            doing = f"Building the {level} index (once; it is saved for later runs)"
            with progress.step(doing, f"Built the {level} index"):
                index = build_index(control_list, aliases, stamp=stamp, level=level)
            _save(index, folder)
            click.echo(f"Built the {level} index in {folder}")
    bar = _progress_bar()
    folder = meaning_index_dir(MODELS_DIR, control_list)
    # Clause texts another imported version already embedded are not embedded again.
    meaning = MeaningIndex.build(
        control_list,
        load_embedder(),
        progress=lambda d, t: bar("Embedding the list", d, t),
        known=earlier_vectors(MODELS_DIR, control_list),
    )
    _save(meaning, folder)
    click.echo(f"Built the meaning index in {folder}")


def _save(index, folder: Path) -> None:
    try:
        index.save(folder)
    except OSError as error:
        raise OutputError(
            f"Cannot write the index to {folder} ({error.strerror or error}). Make models/ "
            "writable, or set EXPORTCTL_MODELS to a folder you can write to."
        ) from None


@click.command("train-ranker")
@click.option("--data", "paths", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Labelled JSONL to train on (default: the development abstracts).")  # fmt: skip
@click.option("--C", "c_value", default=1.0, show_default=True, type=float,
              help="Inverse regularisation strength of the logistic regression.")  # fmt: skip
def train_ranker_command(paths: tuple[Path, ...], c_value: float) -> None:
    """Train the ranker (and calibrate the screening verdict) into models/ranker/."""
    from exportctl.config import MODELS_DIR
    from exportctl.suggest.engine import RANKER_FILE, Suggester
    from exportctl.suggest.training import train_from_files

    files = list(paths) or [DEV_DATA]
    progress = _progress_bar()
    suggester = Suggester.load(trained=False, progress=progress)
    ranker = train_from_files(
        suggester, files, C=c_value, progress=lambda d, t: progress("Training", d, t)
    )
    ranker.save(MODELS_DIR / RANKER_FILE)
    weights = ", ".join(f"{n} {w:+.2f}" for n, w in zip(ranker.features, ranker.coef_, strict=True))
    click.echo(f"Trained on {ranker.training['abstracts']} abstracts: {weights}")
    click.echo(f"Related offset {ranker.related_offset}; verdict cut-offs {ranker.verdict}")
    click.echo(f"Saved to {MODELS_DIR / RANKER_FILE}")


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
@click.option("--by-area", is_flag=True, help="Add a table per research area.")
@click.option(
    "--replay-after",
    "replay_after",
    type=click.Path(exists=True, path_type=Path),
    help="Learning from decisions: screen the records in order, each with this file's "
    "records and the earlier ones decided (gold entries confirmed); with and without.",
)
@click.option(
    "--leave-one-area-out",
    "loao",
    is_flag=True,
    help="Score each area with curated aliases and ranker never fitted on it.",
)
def evaluate_command(
    paths: tuple[Path, ...],
    as_json: bool,
    show_misses: bool,
    by_area: bool,
    replay_after: Path | None,
    loao: bool,
) -> None:
    """Recall@1/5/10, MRR and verdict shares of the pipeline beside a BM25 baseline; CAH3."""
    from exportctl.suggest.baseline import BM25Baseline
    from exportctl.suggest.evaluation import (
        AreaTable,
        baseline_ranker,
        format_area_table,
        format_table,
        misses,
        pipeline_ranker,
        read_records,
        run_method,
        summarise,
    )

    suggester = _suggester()
    baseline = BM25Baseline(suggester.control_list)
    report = []
    groups = [(str(path), read_records(path)) for path in paths]
    if loao and len(groups) > 1:  # every area is left out of one pool of all the files
        groups = [(" + ".join(name for name, _ in groups), [r for _, g in groups for r in g])]
    for name_of_data, records in groups:
        path = Path(name_of_data.split(" + ")[0])
        entry: dict = {"file": name_of_data, "records": len(records)}
        labelled = [r for r in records if r.get("labels_entry_level") and
                    not str(r["labels_entry_level"][0]).startswith("CAH")]  # fmt: skip
        if labelled:
            if loao:
                from exportctl.suggest.area_evaluation import leave_one_area_out

                bar = _progress_bar()
                pipeline, seconds = (
                    leave_one_area_out(
                        labelled, progress=lambda a, d, t, bar=bar: bar("Areas", d, t)
                    ),
                    None,
                )
                name = "pipeline (LOAO)"
            elif replay_after is not None:
                from exportctl.suggest.evaluation import replay

                prior = read_records(replay_after)
                suggester.learn_from_decisions = False
                without = summarise("no decisions", replay(suggester, labelled, prior=prior))
                suggester.learn_from_decisions = True
                pipeline, seconds = replay(suggester, labelled, prior=prior), None
                name = "with decisions"
            else:
                pipeline, seconds = run_method(pipeline_ranker(suggester), labelled)
                name = "pipeline"
            bm25, bm25_seconds = run_method(baseline_ranker(baseline), labelled)
            entry["controls"] = [summarise(name, pipeline, seconds),
                                 summarise("bm25", bm25, bm25_seconds)]  # fmt: skip
            if replay_after is not None and not loao:
                entry["controls"].insert(1, without)
            entry["misses"] = misses(pipeline)
            if by_area:
                entry["areas"] = AreaTable({"pipeline": pipeline, "bm25": bm25}).rows()
        if not loao and any("cah3" in r or "hecos_code" in r for r in records):
            from exportctl.atas.evaluation import evaluate_subjects

            try:
                entry["subjects"] = evaluate_subjects(path)
            except ExportctlError as error:
                entry["subjects_error"] = error.message
        report.append(entry)
        if as_json:
            continue
        click.echo(f"== {name_of_data} ({len(records)} records)")
        if "controls" in entry:
            click.echo(format_table(entry["controls"]))
            if "areas" in entry:
                click.echo(format_area_table(entry["areas"]))
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


COMMANDS = [suggest_command, build_index_command, train_ranker_command, evaluate_command]
