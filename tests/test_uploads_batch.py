"""A batch file is not trusted: ids already in use and unknown owners are refused row by row,
and the rows keep the file's own id apart from a generated one."""

from __future__ import annotations

from exportctl.uploads import batch_rows, check_batch, read_table

CSV = b"ref,abstract,owner\nG-1,A laser,rosa\nG-2,A radar,nobody\n,A sensor,rosa\nG-4,A pump,\n"


def table():
    return batch_rows(
        read_table("b.csv", CSV), text_column="abstract", id_column="ref", owner_column="owner"
    )


def test_uploads_batch_rows_keep_file_ids_and_owners():
    rows = table().rows
    assert [(r.id, r.external_id, r.owner) for r in rows] == [
        ("G-1", "G-1", "rosa"),
        ("G-2", "G-2", "nobody"),
        ("row-3", None, "rosa"),  # a generated id is for messages, never stored
        ("G-4", "G-4", None),
    ]


def test_uploads_batch_check_refuses_rows_with_reasons():
    plan = check_batch(table(), existing={"G-1": "C-00007"}, is_researcher={"rosa"}.__contains__)
    assert [r.id for r in plan.rows] == ["row-3"]
    assert plan.refused == (
        "row 1 (G-1): the id is already case C-00007; change the id or leave the row out",
        "row 2 (G-2): 'nobody' is not a known researcher's user name",
        "row 4 (G-4): no researcher given",
    )


def test_uploads_batch_check_without_owner_column_keeps_owners_out():
    plan = check_batch(table(), existing={}, is_researcher=None)
    assert [r.id for r in plan.rows] == ["G-1", "G-2", "row-3", "G-4"]
    assert plan.refused == ()
