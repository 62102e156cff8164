"""Paper-level importers: Web of Science and OpenAlex records to papers and affiliations tables."""

from kpi.importers.openalex import read_openalex
from kpi.importers.output import ImportReport, ImportResult, KpiImportError, write_import
from kpi.importers.wos import read_wos

__all__ = [
    "ImportReport",
    "ImportResult",
    "KpiImportError",
    "read_openalex",
    "read_wos",
    "write_import",
]
