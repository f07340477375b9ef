"""Clause labels ("a.", "1.", "aa.") and the order in which they follow each other."""

from __future__ import annotations

import string


def label_kind(label: str) -> str:
    return "num" if label.isdigit() else "alpha"


def next_label(label: str) -> str:
    """The label that follows ``label`` in a list: a→b, z→aa, 9→10."""
    if label.isdigit():
        return str(int(label) + 1)
    if label == "z":
        return "aa"
    if len(label) == 2 and label[0] == label[1]:  # aa, bb, ... as printed in some lists
        nxt = string.ascii_lowercase[(string.ascii_lowercase.index(label[0]) + 1) % 26]
        return nxt * 2
    return label[:-1] + chr(ord(label[-1]) + 1)


def is_first_label(label: str) -> bool:
    return label in ("a", "1")


def child_kind(depth: int) -> str:
    """Sub-items alternate letters and numbers: an entry's children are letters."""
    return "alpha" if depth % 2 == 0 else "num"
