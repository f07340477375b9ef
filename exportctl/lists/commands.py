"""CLI commands over the control lists: import, lists (and lists diff), show."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import click

from exportctl import progress
from exportctl.config import CONTROL_LISTS_DIR, DEFAULT_LIST_NAME, DEFAULT_LIST_SOURCE
from exportctl.errors import ExportctlError, OutputError
from exportctl.lists.diff import CHANGE_KINDS, ListDiff, compare
from exportctl.lists.importer import (
    KNOWN_LISTS,
    check_list_version,
    import_lock,
    import_source,
    refuse_existing,
    write_dataset,
)
from exportctl.lists.model import LIST_NAMES
from exportctl.lists.store import ControlList, available_datasets, dataset_for, resolve_version


@click.command("import")
@click.argument(
    "source", type=click.Path(path_type=Path), default=DEFAULT_LIST_SOURCE, required=False
)
@click.option("--list-name", default=DEFAULT_LIST_NAME, show_default=True,
              help="Which list this is (lower-case letters, digits, hyphens).")  # fmt: skip
@click.option("--list-date", required=True,
              help="The date the list was published, YYYY-MM-DD (no default: a list is never "
              "filed under another list's date).")  # fmt: skip
@click.option("--replace", is_flag=True,
              help="Replace an import of the same list and date (kept as a backup).")  # fmt: skip
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    default=CONTROL_LISTS_DIR,
    show_default=True,
    help="Root folder; the dataset goes to OUTPUT/<list-name>/<list-date>/.",
)
def import_command(
    source: Path, list_name: str, list_date: str, replace: bool, output: Path
) -> None:
    """Import a published control list (its text or its PDF) into a versioned dataset.

    The newest import of a list is the one in use (unless 'exportctl --list' names another).
    """
    check_list_version(list_name, list_date)
    try:
        with import_lock(output, list_name):
            if not replace:
                refuse_existing(output, list_name, list_date)  # before minutes of parsing
            with progress.status(f"Importing {source.name}"):
                imported = import_source(source, list_name=list_name, list_date=list_date)
                folder, backup = write_dataset(imported, output, replace=replace)
    except OSError as error:
        raise OutputError(
            f"Cannot write the list under {output} ({error.strerror or error}): choose an "
            "--output folder you can write to. Nothing was imported."
        ) from None
    counts = imported.manifest.counts
    click.echo(
        f"Imported {counts['entries']} entries, {counts['clauses']} clauses, "
        f"{counts['definitions']} definitions into {folder}"
    )
    for list_key, number in counts["entries_per_list"].items():
        click.echo(f"  {LIST_NAMES.get(list_key, list_key)}: {number} entries")
    if imported.manifest.issues:
        click.echo(f"{len(imported.manifest.issues)} parse notes recorded in the manifest.")
    if backup is not None:
        click.echo(f"The import it replaces is kept in {backup}")
    if list_name not in KNOWN_LISTS:
        click.echo(
            f"Completeness was not checked: '{list_name}' is not one of the known lists "
            f"({', '.join(KNOWN_LISTS)})."
        )
    newest = resolve_version(list_name, root=output)[1]
    version = f"{list_name}/{list_date}"
    if newest != list_date:
        click.echo(
            f"The newer {list_name}/{newest} stays in use; to use this one give "
            f"'exportctl --list {version} ...' (or set EXPORTCTL_LIST={version})."
        )
    elif list_name == DEFAULT_LIST_NAME:
        click.echo(
            f"{version} is now the list in use. Its suggestion indexes are built on first use "
            "(a minute or two), or now with 'exportctl build-index'."
        )
    else:
        click.echo(f"Use it with 'exportctl --list {version} ...'.")


@click.group("lists", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def lists_command(ctx: click.Context, as_json: bool) -> None:
    """Show the imported lists, their versions and counts, and which one is in use; 'lists diff
    OLD NEW' shows what changed between two of them."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        in_use = "/".join(resolve_version())
    except ExportctlError:
        in_use = None
    rows = []
    for folder in available_datasets():
        manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
        manifest["in_use"] = f"{manifest.get('list_name')}/{manifest.get('list_date')}" == in_use
        rows.append(manifest)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("No lists imported yet: run 'exportctl import'.")
    for manifest in rows:
        counts = manifest["counts"]
        click.echo(
            f"{manifest['list_name']}/{manifest['list_date']}"
            f"{'  [in use]' if manifest['in_use'] else ''}  "
            f"{counts['entries']} entries, {counts['clauses']} clauses, "
            f"{counts['definitions']} definitions  "
            f"(source {manifest['source_file']}, sha256 {manifest['source_sha256'][:12]}…, "
            f"importer {manifest['importer_version']})"
        )
        for list_key, number in counts["entries_per_list"].items():
            click.echo(f"  {LIST_NAMES.get(list_key, list_key):<58} {number:>4} entries")
        per_category = counts.get("dual_use_entries_per_category", {})
        if per_category:
            click.echo(
                "  dual-use entries per category: "
                + ", ".join(f"{k}: {v}" for k, v in per_category.items())
            )
    if rows and in_use is None:
        click.echo("None of these is the list in use: check 'exportctl --list' / EXPORTCTL_LIST.")


@lists_command.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--entry", default=None, help="Only this entry or clause, e.g. 3A001.")
@click.option(
    "--part",
    "parts",
    multiple=True,
    type=click.Choice(list(LIST_NAMES)),
    help="Only this list of the document (repeat for several) [default: those both hold].",
)
@click.option(
    "--minor", is_flag=True, help="Detail minor changes too (punctuation, spacing, decimals)."
)
def diff_command(
    old: str, new: str, as_json: bool, entry: str | None, parts: tuple[str, ...], minor: bool
) -> None:
    """What changed from list version OLD to NEW, clause by clause: entries and clauses added,
    removed or renumbered, text, thresholds, notes and definitions changed.

    OLD and NEW name imported versions (uk-consolidated/2025-12-16, a date of the default
    list, or a dataset folder)."""
    before = ControlList.from_dir(dataset_for(old))
    after = ControlList.from_dir(dataset_for(new))
    diff = compare(before, after, parts=parts or None)
    if entry:
        diff = diff.for_entry(entry)
    if as_json:
        click.echo(json.dumps(diff.to_dict(), indent=2, ensure_ascii=False))
        return
    click.echo(render_diff(diff, minor=minor))


def render_diff(diff: ListDiff, *, minor: bool = False) -> str:
    """The summary table, then the changes entry by entry."""
    parts = ", ".join(LIST_NAMES.get(p, p) for p in diff.parts) or "nothing in common"
    out = [f"{diff.old_version} → {diff.new_version}  ({parts})", ""]
    counts, without_minor = diff.counts(), diff.counts(minor=False)
    out.append(f"{'change':<22}{'count':>7}{'minor':>8}")
    for kind, label in CHANGE_KINDS.items():
        out.append(f"{label:<22}{counts[kind]:>7}{counts[kind] - without_minor[kind] or '':>8}")
    out.append(f"{'total':<22}{sum(counts.values()):>7}{diff.minor_count or '':>8}")
    if diff.minor_count and not minor:
        out.append(
            "Minor changes (punctuation, spacing, decimal marks) are counted, not detailed: "
            "--minor shows them."
        )
    shown = [c for c in diff.changes if minor or not c.minor]
    current = None
    for change in shown:
        group = change.entry or "Definitions"
        if group != current:
            current = group
            out.append("")
            out.append(group)
        out.append(_wrap(change.describe(), "  "))
    if not diff.changes:
        out.append("")
        out.append("No changes.")
    return "\n".join(out)


def clause_view(control_list: ControlList, code: str) -> dict:
    """Everything an officer needs to read a clause, as plain data."""
    clause = control_list.get(code)
    return {
        "list_version": control_list.version,
        "clause": clause.to_dict(),
        "ancestors": [
            {"code": a.code, "text": a.text, "notes": [n.__dict__ for n in a.notes]}
            for a in control_list.ancestors(clause.code)
        ],
        "children": [{"code": c.code, "text": c.text} for c in control_list.children(clause.code)],
        "cited_by": [c.code for c in control_list.cited_by(clause.code)][:50],
        "definitions": [
            {"term": d.term, "text": d.text, "list": d.list_name}
            for d in control_list.definitions_for(clause.code)
        ],
    }


@click.command("show")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def show_command(code: str, as_json: bool) -> None:
    """Show a clause with its parents, notes and terms: ML10.a, PL9009, 3A001.b.2.a."""
    control_list = ControlList.load()
    view = clause_view(control_list, code)
    if as_json:
        click.echo(json.dumps(view, indent=2, ensure_ascii=False))
        return
    click.echo(_render(view))


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, width=96, initial_indent=indent, subsequent_indent=indent + "  ")


def _render(view: dict) -> str:
    clause = view["clause"]
    out = [
        f"{clause['code']}  ({LIST_NAMES.get(clause['list_name'], clause['list_name'])}, "
        f"{view['list_version']}{', ' + clause['page_label'] if clause['page_label'] else ''})"
    ]
    for depth, ancestor in enumerate(view["ancestors"]):
        out.append(_wrap(f"{ancestor['code']}: {ancestor['text']}", "  " * depth))
    depth = len(view["ancestors"])
    out.append(_wrap(f"{clause['code']}: {clause['text']}", "  " * depth))
    for child in view["children"]:
        out.append(_wrap(f"{child['code']}: {child['text']}", "  " * (depth + 1)))
    if clause["regimes"]:
        out.append(f"Regimes: {' '.join(clause['regimes'])}")
    for note in clause["notes"]:
        out.append(_wrap(f"{note['heading']} {note['text']}", ""))
    if clause["references"]:
        out.append(f"Cross-references: {', '.join(clause['references'])}")
    if clause["unresolved_references"]:
        out.append(f"Cited but not in this list: {', '.join(clause['unresolved_references'])}")
    if view["cited_by"]:
        out.append(f"Cited by: {', '.join(view['cited_by'][:20])}")
    for definition in view["definitions"]:
        out.append(_wrap(f"Definition: {definition['text']}", ""))
    return "\n".join(out)


COMMANDS = [import_command, lists_command, show_command]
