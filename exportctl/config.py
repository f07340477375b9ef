"""Default locations and settings, defined once."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else default


CONTROL_LISTS_DIR = _env_path("EXPORTCTL_CONTROL_LISTS", PROJECT_DIR / "control_lists")
MODELS_DIR = _env_path("EXPORTCTL_MODELS", PROJECT_DIR / "models")
SOURCES_DIR = CONTROL_LISTS_DIR / "sources"

DEFAULT_LIST_NAME = "uk-consolidated"
DEFAULT_LIST_SOURCE = (
    SOURCES_DIR / "uk-consolidated-2025-12-16" / "consolidated-list-2025-12-16.txt"
)
#: Names the list in use (``name`` or ``name/YYYY-MM-DD``; ``exportctl --list`` sets it);
#: unset, the newest import of the default list is used.
LIST_CHOICE_VARIABLE = "EXPORTCTL_LIST"

DEFAULT_TOP_K = 10
MAX_TEXT_CHARS = 200_000
