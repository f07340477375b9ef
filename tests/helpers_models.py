"""Shared helper of the tests that start exportctl in a process of its own (not a test module)."""

from __future__ import annotations

import shutil
from pathlib import Path

from exportctl.config import PROJECT_DIR


def models_as_cloned(folder: Path) -> Path:
    """A models folder as in a fresh clone, for a process started with EXPORTCTL_MODELS: the
    committed artefacts (embeddings, ranker), none of the word indexes built on first use."""
    shutil.copytree(
        PROJECT_DIR / "models", folder, ignore=shutil.ignore_patterns("*-index", "README.md")
    )
    return folder
