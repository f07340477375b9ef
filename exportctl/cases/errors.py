"""Typed errors of the case store."""

from __future__ import annotations

from datetime import datetime

from exportctl.errors import ExportctlError


class CaseStoreError(ExportctlError):
    """The case database cannot be used (unreachable, busy, other schema)."""

    code = "E310"


class CaseNotFoundError(ExportctlError):
    """No such case, or not one the user may see."""

    code = "E311"


class ConcurrentEditError(ExportctlError):
    """Someone saved the same record first; nothing was overwritten.

    ``changed_by`` and ``changed_at`` name the change that came first, when it is known."""

    code = "E312"

    def __init__(
        self,
        message: str,
        *,
        changed_by: str | None = None,
        changed_at: datetime | None = None,
    ) -> None:
        super().__init__(message)
        self.changed_by = changed_by
        self.changed_at = changed_at


class CaseInputError(ExportctlError):
    """A change to a case is incomplete or inconsistent (e.g. a rejection without a note)."""

    code = "E313"


class DuplicateExternalIdError(CaseInputError):
    """A case with this external id (e.g. a grant reference) already exists."""

    code = "E314"

    def __init__(self, message: str, *, existing: dict[str, int]) -> None:
        super().__init__(message)
        self.existing = existing
