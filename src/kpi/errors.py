"""Exceptions users can cause; the CLI maps them to messages and exit codes."""


class KpiError(Exception):
    """Base class for errors caused by inputs or definitions, not by bugs."""

    exit_code = 1


class InputError(KpiError):
    """An input file cannot be read (missing, undecodable, truncated, malformed)."""

    def __init__(self, path, message: str, *, row: int | None = None, column: str | None = None):
        self.path, self.row, self.column = str(path), row, column
        where = self.path + (f", row {row}" if row is not None else "")
        where += f", column {column!r}" if column else ""
        super().__init__(f"{where}: {message}")


class ValidationFailed(KpiError):
    """One or more blocking contract checks failed; `report` holds every failure."""

    def __init__(self, report):
        self.report = report
        super().__init__(f"{report.blocking_count} blocking validation failure(s)")


class DefinitionError(KpiError):
    """A contract, SQL model, audit or target definition is malformed."""


class AuditFailed(KpiError):
    """An audit of severity `error` returned rows."""

    def __init__(self, failures):
        self.failures = failures
        names = ", ".join(f"{a.name} ({a.rows} rows)" for a in failures)
        super().__init__(f"audit(s) failed: {names}")


class UsageError(KpiError):
    """The command was called in a way that cannot work (bad paths, conflicting options)."""

    exit_code = 2
