"""Loading one extract's new deliveries into the working file (sources.load does the reading,
typing and quarantine), and what the run's step reports of it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sources.contract import Contract
from sources.load import ExtractOutcome, FileOutcome, connect, ingest_extract, ingest_strays

from .layout import Layout


@dataclass
class Ingested:
    """One extract's step: what became of each file, rows now in raw.<extract>, and this run's
    quarantined rows by kind of problem [(reason, rows)]."""
    outcome: ExtractOutcome
    rows_in_table: int
    quarantine_reasons: list[tuple[str, int]] = field(default_factory=list)

    @property
    def rejected(self) -> list[str]:
        """'path: why' of each file rejected in this run."""
        return [f"{f.path}: {f.error}" for f in self.outcome.files if f.status == "rejected"]


def ingest(layout: Layout, contract: Contract, run_id: str, log: Callable[[str], None] = print) -> Ingested:
    """Load the extract's unseen files from the landing folder into the working file."""
    con = connect(layout.working)
    try:
        outcome = ingest_extract(con, contract, layout.landing, run_id, log=log)
        total = con.execute(f"SELECT count(*) FROM raw.{contract.extract}").fetchall()[0][0]
        reasons = con.execute("""
            SELECT reason, sum(rows)::BIGINT FROM meta.quarantine_reasons
            WHERE extract = ? AND file_id IN (SELECT file_id FROM meta.files WHERE run_id = ?)
            GROUP BY reason ORDER BY 2 DESC""", [contract.extract, run_id]).fetchall()
    finally:
        con.close()
    return Ingested(outcome, total, reasons)


def record_strays(layout: Layout, run_id: str, log: Callable[[str], None] = print) -> list[FileOutcome]:
    """Record the landing folder's files of no extract in meta.files, rejected with the reason."""
    con = connect(layout.working)
    try:
        return ingest_strays(con, layout.landing, run_id, log=log)
    finally:
        con.close()
