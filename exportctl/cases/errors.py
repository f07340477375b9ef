"""Typed errors of the case store."""

from __future__ import annotations

from exportctl.errors import ExportctlError


class CaseStoreError(ExportctlError):
    """The case database cannot be used (unreachable, busy, other schema)."""

    code = "E310"


class CaseNotFoundError(ExportctlError):
    """No such case, or not one the user may see."""

    code = "E311"


class ConcurrentEditError(ExportctlError):
    """Someone saved the same record first; nothing was overwritten."""

    code = "E312"


class CaseInputError(ExportctlError):
    """A change to a case is incomplete or inconsistent (e.g. a rejection without a note)."""

    code = "E313"
