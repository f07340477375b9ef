"""ATAS commands: ``subjects``, ``atas``, ``atas-rules`` (import/list/show/rollback) and
``evaluate-subjects``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from exportctl.atas.defaults import SUBJECT_TOP_K
from exportctl.atas.rules import (
    CONFIDENCES,
    LEVELS,
    TABLES,
    list_versions,
    load_rules,
)


def _emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _split_values(values: tuple[str, ...]) -> list[str]:
    """Accept repeated options and comma-separated lists alike."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _read_text(text: str, encoding: str) -> str:
    from exportctl.textio import argument_text, read_stream

    return read_stream(encoding=encoding) if text == "-" else argument_text(text, encoding=encoding)


_EVIDENCE_KINDS = {
    "hecos": "HECoS",
    "cah3": "CAH3",
    "hecos-definition": "HECoS definition",
    "cah3-profile": "CAH3 profile",
}


@click.command("subjects")
@click.argument("text")
@click.option("--top-k", default=SUBJECT_TOP_K, show_default=True, help="How many subjects.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--encoding", default="utf-8", show_default=True,
              help="Encoding of standard input (e.g. cp1252).")  # fmt: skip
def subjects_command(text: str, top_k: int, as_json: bool, encoding: str) -> None:
    """Rank CAH3 subject codes for TEXT (use - to read standard input), with evidence."""
    from exportctl.atas.subjects import suggest_subjects

    suggestions = suggest_subjects(_read_text(text, encoding), top_k=top_k)
    if as_json:
        _emit_json([s.to_dict() for s in suggestions])
        return
    if not suggestions:
        click.echo("No CAH3 subject matched the text.")
        return
    for rank, s in enumerate(suggestions, start=1):
        click.echo(f"{rank}. {s.cah3} {s.label}  (score {s.score:.3f}; {s.cah1} {s.cah1_label})")
        for e in s.evidence:
            words = ", ".join(f"'{w.word}' [{w.start}:{w.end}]" for w in e.words) or "-"
            kind = _EVIDENCE_KINDS.get(e.kind, e.kind)
            name = e.name if len(e.name) <= 80 else e.name[:77] + "..."
            click.echo(f"     {kind} {e.ref} '{name}' (+{e.weight:.3f}): words {words}")


@click.command("atas")
@click.option(
    "--cah3",
    "cah3",
    multiple=True,
    required=True,
    help="CAH3 code(s), repeatable or comma-separated, e.g. CAH10-01-04.",
)
@click.option(
    "--nationality",
    multiple=True,
    required=True,
    help="ISO 3166 code(s); repeat for dual nationals, e.g. --nationality CN --nationality FR.",
)
@click.option("--level", required=True, help=f"One of {', '.join(LEVELS)} (or PhD, MSc, ...).")
@click.option("--occupation", default=None, help="SOC 2020 code, for researchers on work routes.")
@click.option("--rules-version", default=None, help="Rules version (default: the newest).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def atas_command(
    cah3: tuple[str, ...],
    nationality: tuple[str, ...],
    level: str,
    occupation: str | None,
    rules_version: str | None,
    as_json: bool,
) -> None:
    """Does ATAS apply? Answers required / not required / check, with the reasons."""
    from exportctl.atas.assessment import assess

    rules = load_rules(rules_version)
    result = assess(
        _split_values(cah3),
        _split_values(nationality),
        level,
        rules=rules,
        occupation_code=occupation,
    )
    if as_json:
        _emit_json(result.to_dict())
        return
    click.echo(f"ATAS: {result.result.upper()}")
    for reason in result.reasons:
        click.echo(f"  - {reason}")
    click.echo("Subjects:")
    for finding in result.subjects:
        click.echo(f"  {finding.cah3} {finding.label}: {finding.outcome} ({finding.status})")
        click.echo(f"      {finding.reason}")
    click.echo(f"Rules version {result.rules_version} (verified {result.rules_verified_on}).")
    click.echo(result.caveat)


@click.group("atas-rules")
def atas_rules_group() -> None:
    """Manage ATAS rules versions: import an officer's list, list, show, roll back."""


@atas_rules_group.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--version", "version", required=True, help="New version date, YYYY-MM-DD.")
@click.option("--verified-on", required=True, help="Date the list was checked, YYYY-MM-DD.")
@click.option("--source", required=True, help="Where the list comes from (URL or document).")
@click.option(
    "--table",
    type=click.Choice(list(TABLES)),
    default=None,
    help="Which table a CSV holds (default: from its columns; Excel: sheet names).",
)
@click.option(
    "--confidence",
    type=click.Choice(CONFIDENCES),
    default="official",
    show_default=True,
    help="Confidence of rows that do not give their own.",
)
@click.option(
    "--complete-list",
    is_flag=True,
    help="The subject list is the complete official list: unlisted subjects may then "
    "be answered 'not required'.",
)
@click.option("--note", "notes", multiple=True, help="A note shown with every assessment.")
@click.option("--base-version", default=None, help="Version to carry other tables from.")
@click.option("--encoding", default="utf-8", show_default=True,
              help="Encoding of CSV files without a byte-order mark (e.g. cp1252).")  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Show what would change; import nothing.")
@click.option("--yes", "-y", "assume_yes", is_flag=True,
              help="Put the new version in force without asking.")  # fmt: skip
def import_command(
    files: tuple[Path, ...],
    version: str,
    verified_on: str,
    source: str,
    table: str | None,
    confidence: str,
    complete_list: bool,
    notes: tuple[str, ...],
    base_version: str | None,
    encoding: str,
    dry_run: bool,
    assume_yes: bool,
) -> None:
    """Validate FILES (CSV or Excel) and add them as a new rules version.

    What changes from the version in force is shown first; the new version takes effect only
    when confirmed (or with --yes).
    """
    from exportctl.atas.rules import difference, rules_lock, stage_import

    with rules_lock():
        staged = stage_import(
            files,
            version=version,
            verified_on=verified_on,
            source=source,
            table=table,
            confidence=confidence,
            subject_list_complete=complete_list,
            notes=notes,
            base_version=base_version,
            encoding=encoding,
        )
        try:
            current = load_rules() if list_versions() else None
            was = current.version if current else "none"
            click.echo(f"Rules version {staged.version} would replace {was} in force:")
            for line in difference(current, staged.rules):
                click.echo(f"  {line}")
            if dry_run:
                click.echo("Nothing was imported (--dry-run).")
                return
            if not assume_yes and not click.confirm(
                f"Put rules version {staged.version} in force?", default=False, err=True
            ):
                click.echo("Nothing was imported.")
                return
            path = staged.put_in_force()
        finally:
            staged.discard()
    rules = load_rules(path.name)
    click.echo(f"Rules version {rules.version} written to {path}; it is now in force.")
    _emit_json(rules.summary())


@atas_rules_group.command("rollback")
@click.option("--reason", required=True, help="Why the version in force is withdrawn.")
@click.option("--as", "by", default=None, help="Who withdraws it [default: your login name].")
@click.option("--yes", "-y", "assume_yes", is_flag=True, help="Withdraw it without asking.")
def rollback_command(reason: str, by: str | None, assume_yes: bool) -> None:
    """Withdraw the rules version in force: the one before it applies again.

    What changes is shown first. The withdrawn version is kept under .withdrawn/ with who
    withdrew it, when and why; its date is never used again.
    """
    from exportctl.atas.rules import difference, rollback, rollback_plan, rules_lock

    with rules_lock():
        current, previous = rollback_plan()
        click.echo(
            f"Withdrawing rules version {current.version} puts {previous.version} back in force:"
        )
        for line in difference(current, previous):
            click.echo(f"  {line}")
        if not assume_yes and not click.confirm(
            f"Withdraw rules version {current.version}?", default=False, err=True
        ):
            click.echo("Nothing was changed.")
            return
        withdrawn, restored, kept = rollback(reason=reason, by=by or _login_name())
    click.echo(
        f"Rules version {withdrawn.version} withdrawn (kept in {kept}); {restored.version} is "
        "in force."
    )


@atas_rules_group.command("list")
def list_command() -> None:
    """List rules versions, newest last (the newest is in force), and withdrawn ones."""
    from exportctl.atas.rules import withdrawn_versions

    versions = list_versions()
    for version in versions:
        click.echo(f"{version}{'  [in force]' if version == versions[-1] else ''}")
    for version in withdrawn_versions():
        click.echo(f"{version}  [withdrawn]")


@atas_rules_group.command("show")
@click.argument("version", required=False)
def show_command(version: str | None) -> None:
    """Summarise a rules version (default: the one in force)."""
    _emit_json(load_rules(version).summary())


@atas_rules_group.command("import-cah")
def import_cah_command() -> None:
    """Re-import CAH v1.3.4 and the HECoS mapping from control_lists/sources/."""
    from exportctl.atas.vocabulary import import_cah

    click.echo(f"CAH vocabulary written to {import_cah()}.")


@atas_rules_group.command("import-hecos-definitions")
def import_hecos_definitions_command() -> None:
    """Re-import HESA's HECoS definitions from control_lists/cah/hecos-definitions/source/."""
    from exportctl.atas.definitions import import_hecos_definitions

    click.echo(f"HECoS definitions written to {import_hecos_definitions()}.")


def _login_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name known to the system (a container)
        return f"uid {os.getuid()}"


@click.command("evaluate-subjects")
@click.option(
    "--data",
    "data",
    required=True,
    type=click.Path(path_type=Path),
    help="JSONL of HECoS names (hecos_code, labels) or abstracts (text, cah3).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON with per-row details.")
def evaluate_subjects_command(data: Path, as_json: bool) -> None:
    """CAH3 top-1 and top-3 accuracy on a labelled file."""
    from exportctl.atas.evaluation import evaluate_subjects

    result = evaluate_subjects(data)
    if as_json:
        _emit_json(result)
        return
    click.echo(f"{data}: n={result['n']} top-1 {result['top1']:.3f} top-3 {result['top3']:.3f}")
    click.echo(f"  method: {result['method']}")
    other = result.get("names_differing_from_cah3_label")
    if other:
        click.echo(
            f"  names differing from their CAH3 label: n={other['n']} top-1 {other['top1']:.3f}"
            f" top-3 {other['top3']:.3f}"
        )


COMMANDS = [subjects_command, atas_command, atas_rules_group, evaluate_subjects_command]
