"""What a run has to rebuild: only what is downstream of the extracts that received files.

The published warehouse is the reference: it holds what the last complete build loaded
(meta.files) and which dbt project and as-of date built it (meta.build_state). Against it:

- no published warehouse yet, or the dbt project, the contracts or the as-of date changed:
  everything;
- otherwise the raw assets of the extracts with files the published warehouse has not seen,
  everything downstream of them (their checks included), and always the progress marts and
  what follows them, so that a night with no new file still reports blocking checks, rebuilds
  the exports and the bulletin.

A build that loaded files and then failed before publishing leaves them unseen by the published
warehouse, so the next run rebuilds what depends on them: nothing is skipped on the strength of
a run that did not finish."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb

from sources.contract import contracts
from sources.load import unseen_entries

from .resources import PROJECT_ROOT, PlantrackSettings

BUILD_STATE_DDL = """
CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.build_state (
    name        VARCHAR PRIMARY KEY,  -- what was built: 'dbt_project'
    fingerprint VARCHAR NOT NULL,     -- hash of the project files and the as-of date
    built_at    TIMESTAMP NOT NULL
);"""

# the inputs of the build besides the data: the dbt code and seeds, the contracts the loader
# and the staging models read, the Great Expectations suites (a changed bound must be re-checked)
_PROJECT_FILES = [PROJECT_ROOT / "dbt_project" / d for d in ("models", "seeds", "macros", "tests")] + \
    [PROJECT_ROOT / "dbt_project" / "dbt_project.yml", PROJECT_ROOT / "sources" / "contracts",
     PROJECT_ROOT / "expectations" / "suites", PROJECT_ROOT / "expectations" / "run.py"]


def project_fingerprint(as_of: str) -> str:
    digest = hashlib.sha256(f"as_of={as_of}\n".encode())
    for root in _PROJECT_FILES:
        for path in sorted([root] if root.is_file() else root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(PROJECT_ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


# What the working file was last built from, beside it (readable while a build holds the file):
# {"dbt_project": fingerprint}, or {"dbt_project": null} while dbt is rebuilding it — a build
# that fails leaves it null, and the next plan rebuilds everything.
def state_path(settings: PlantrackSettings) -> Path:
    working = settings.working_path
    return working.with_name(working.name + ".state.json")


def _working_state(settings: PlantrackSettings) -> tuple[bool, str | None]:
    path = state_path(settings)
    if not path.exists():
        return False, None
    try:
        return True, json.loads(path.read_text(encoding="utf-8")).get("dbt_project")
    except (OSError, ValueError):
        return True, None


def _write_state(settings: PlantrackSettings, fingerprint: str | None) -> None:
    path = state_path(settings)
    staged = path.with_name(path.name + ".part")
    staged.write_text(json.dumps({"dbt_project": fingerprint}), encoding="utf-8")
    staged.replace(path)


def begin_dbt_build(con: duckdb.DuckDBPyConnection, settings: PlantrackSettings) -> str | None:
    """Before dbt rebuilds the working file: what it was built from so far; until the build
    ends, the working file counts as built from nothing."""
    known, before = _working_state(settings)
    if not known:  # a fresh copy of the published file: its own record says
        con.execute(BUILD_STATE_DDL)
        rows = con.execute("SELECT fingerprint FROM meta.build_state WHERE name = 'dbt_project'").fetchall()
        before = rows[0][0] if rows else None
    _write_state(settings, None)
    return before


def end_dbt_build(con: duckdb.DuckDBPyConnection, settings: PlantrackSettings, before: str | None,
                  complete: bool) -> None:
    """After dbt built the models: the working file matches the current project if every model
    was rebuilt, or if only some were and the rest already matched it. Otherwise (a partial
    build of changed code) it stays unrecorded, and the next run rebuilds everything."""
    current = project_fingerprint(settings.as_of)
    con.execute(BUILD_STATE_DDL)
    if complete or before == current:
        con.execute("INSERT OR REPLACE INTO meta.build_state VALUES ('dbt_project', ?, now())", [current])
        _write_state(settings, current)
    else:
        con.execute("DELETE FROM meta.build_state WHERE name = 'dbt_project'")


@dataclass
class Plan:
    changed: list[str] | None  # extracts with unseen files; None: rebuild everything
    reason: str

    def asset_keys(self, defs: dg.Definitions | dg.RepositoryDefinition) -> list[dg.AssetKey] | None:
        """The assets to materialise (their checks come with them); None: all of them."""
        if self.changed is None:
            return None
        from .assets.dbt import dbt_marts

        from .assets.ingest import STRAYS_KEY

        raw = dg.AssetSelection.assets(*[dg.AssetKey(["raw", e]) for e in self.changed])
        selection = raw.downstream() | dg.AssetSelection.assets(*dbt_marts.keys).downstream() \
            | dg.AssetSelection.assets(STRAYS_KEY)
        graph = defs.asset_graph if isinstance(defs, dg.RepositoryDefinition) else defs.resolve_asset_graph()
        return sorted(selection.resolve(graph))


def record_path(settings: PlantrackSettings) -> Path:
    """What the published warehouse was built from, beside it: written at each publication so
    that a plan never has to open the analysts' file (a session there may hold a write lock)."""
    published = settings.published_path
    return published.with_name(published.name + ".record.json")


def read_record(con: duckdb.DuckDBPyConnection) -> dict:
    """What a warehouse file was built from: {"fingerprint": str | None, "files": [[extract,
    path, size, mtime_ms]], "withdrawals": [[file_id, extract]]}."""
    built = con.execute("SELECT fingerprint FROM meta.build_state WHERE name = 'dbt_project'").fetchall() \
        if _has_table(con, "meta", "build_state") else []
    files = [[x, p, size, round(t.timestamp() * 1000)] for x, p, size, t in con.execute(
        "SELECT extract, path, size_bytes, received_at FROM meta.files").fetchall()] \
        if _has_table(con, "meta", "files") else None
    return {"fingerprint": built[0][0] if built else None, "files": files,
            "withdrawals": sorted([list(w) for w in _withdrawals(con)])}


def write_record(settings: PlantrackSettings, record: dict) -> None:
    path = record_path(settings)
    staged = path.with_name(path.name + ".part")
    staged.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    staged.replace(path)


def _published_record(settings: PlantrackSettings) -> dict | str:
    """The published warehouse's record, or why it cannot be had."""
    path = record_path(settings)
    if path.exists():
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
    try:
        con = duckdb.connect(str(settings.published_path), read_only=True)
    except duckdb.Error as exc:  # unreadable: rebuild rather than guess
        return f"published warehouse unreadable ({exc})"
    try:
        return read_record(con)
    finally:
        con.close()


def plan_run(settings: PlantrackSettings) -> Plan:
    if not settings.published_path.exists():
        return Plan(None, "first build: no published warehouse yet")
    record = _published_record(settings)
    if isinstance(record, str):
        return Plan(None, f"full build: {record}")
    current = project_fingerprint(settings.as_of)
    if record["fingerprint"] != current:
        return Plan(None, "full build: the dbt project, the contracts, the checks or the as-of date changed")
    known, working = _working_state(settings)
    if known and working != current:
        return Plan(None, "full build: the last build did not finish, or was built from other code")
    if record["files"] is None:
        return Plan(None, "full build: nothing loaded yet")
    landing = Path(settings.landing)
    seen: dict[str, set] = {}
    for x, path, size, ms in record["files"]:
        seen.setdefault(x, set()).add((path, size, ms))
    new = unseen_entries(seen, landing)
    changed = [e for e in contracts() if any(n.extract == e for n in new)]
    strays = [n.rel for n in new if n.extract not in contracts()]
    published_withdrawals = {tuple(w) for w in record["withdrawals"]}
    withdrawn = sorted({x for f, x in _working_withdrawals(settings) - published_withdrawals} - set(changed))
    # files of no extract are recorded by landing/stray_files, which every run materialises
    also = f"; {len(strays)} file(s) of no extract to record" if strays else ""
    if not changed and not withdrawn:
        return Plan([], "no new files: the marts and their publication only" + also)
    return Plan(changed + withdrawn, "incremental: " + "; ".join(filter(None, [
        "new files for " + ", ".join(changed) if changed else "",
        "withdrawn deliveries of " + ", ".join(withdrawn) if withdrawn else ""])) + also)


def _withdrawals(con) -> set[tuple[int, str]]:
    """(file_id, extract) of every withdrawn delivery."""
    if not _has_table(con, "meta", "withdrawals"):
        return set()
    return set(con.execute("SELECT w.file_id, f.extract FROM meta.withdrawals w "
                           "JOIN meta.files f USING (file_id)").fetchall())


def _working_withdrawals(settings: PlantrackSettings) -> set[tuple[int, str]]:
    """Withdrawals recorded in the working file (`plantrack withdraw`) — the published one
    learns of them when the next build publishes."""
    if not settings.working_path.exists():
        return set()
    try:
        con = duckdb.connect(str(settings.working_path), read_only=True)
    except duckdb.Error:
        return set()
    try:
        return _withdrawals(con)
    finally:
        con.close()


def _has_table(con, schema: str, table: str) -> bool:
    return bool(con.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                            [schema, table]).fetchall())
