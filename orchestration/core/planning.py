"""What a run has to rebuild: only what is downstream of the extracts that received files.

The published warehouse is the reference: it holds what the last complete build loaded
(meta.files) and which dbt project and as-of date built it (meta.build_state). Against it:

- no published warehouse yet, or the dbt project, the contracts or the as-of date changed:
  everything;
- otherwise the raw assets of the extracts with files the published warehouse has not seen,
  everything downstream of them (their checks included), and always what follows the progress
  marts (publication, exports, bulletin); the progress marts themselves too, except on a night
  with nothing new and no blocking check failing: their inputs are then those of the published
  build, so dbt would write the same rows again (``Plan.marts_current``; the marts' gate still
  runs, and says so, while a check blocks).

A build that loaded files and then failed before publishing leaves them unseen by the published
warehouse, so the next run rebuilds what depends on them: nothing is skipped on the strength of
a run that did not finish."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

import duckdb

from sources import bookkeeping
from sources.bookkeeping import has_table
from sources.contract import contracts
from sources.load import unseen_entries

from .layout import PROJECT_ROOT, Layout

# the inputs of the build besides the data, by the name a plan gives them when they changed:
# the dbt code and seeds, the contracts the loader and the staging models read, the Great
# Expectations suites (a changed bound must be re-checked)
_INPUTS = {
    "the dbt project": [PROJECT_ROOT / "dbt_project" / d for d in ("models", "seeds", "macros", "tests")]
                       + [PROJECT_ROOT / "dbt_project" / "dbt_project.yml"],
    "the contracts": [PROJECT_ROOT / "sources" / "contracts", PROJECT_ROOT / "sources" / "contract.py",
                      PROJECT_ROOT / "sources" / "bookkeeping.py"],
    "the checks": [PROJECT_ROOT / "expectations" / "suites", PROJECT_ROOT / "expectations" / "run.py"],
}


def fingerprint_parts(as_of: str, engine: str = "duckdb") -> dict[str, str]:
    """What the models are built from besides the data, input by input ({name: value or hash}):
    the as-of date, the engine (a switch rebuilds everything: the other engine's tables are not
    there), and a hash of each group of project files (_INPUTS). Recorded in meta.build_state
    (row 'dbt_project_parts', JSON), so that a plan can say which input changed."""
    parts = {"the as-of date": as_of, "the engine": engine}
    for name, roots in _INPUTS.items():
        digest = hashlib.sha256()
        for root in roots:
            _hash_files(digest, root)
        parts[name] = digest.hexdigest()
    return parts


def fingerprint_of(parts: dict[str, str]) -> str:
    """The one fingerprint of fingerprint_parts (meta.build_state row 'dbt_project')."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def project_fingerprint(as_of: str, engine: str = "duckdb") -> str:
    """fingerprint_of(fingerprint_parts(as_of, engine))."""
    return fingerprint_of(fingerprint_parts(as_of, engine))


def _hash_files(digest, root) -> None:
    """Each file under ``root``: its path in the project (a folder elsewhere: its whole path)
    and its bytes."""
    for path in sorted([root] if root.is_file() else root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            name = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path
            digest.update(str(name).encode() + b"\0" + path.read_bytes())


def _full_build_reason(record: dict, now: dict[str, str], as_of: str, engine: str) -> str:
    """Why a published build's fingerprint is not the current one (``now``: the current parts),
    naming what changed when the record has the parts (a build recorded before they were: the
    list of what may have)."""
    before = record.get("fingerprint_parts")
    if not record.get("fingerprint") or not isinstance(before, dict):
        return "full build: the dbt project, the contracts, the checks, the as-of date or the engine changed"
    changed = [name for name in now if before.get(name) != now[name]]
    words = {"the as-of date": f"the as-of date ({before.get('the as-of date') or 'latest'} → {as_of or 'latest'})",
             "the engine": f"the engine ({before.get('the engine')} → {engine})"}
    named = [words.get(name, name) for name in changed] or ["the way they are fingerprinted"]
    return "full build: " + (", ".join(named[:-1]) + " and " + named[-1] if len(named) > 1 else named[0]) + " changed"


# What the working file was last built from, beside it (Layout.state, readable while a build
# holds the file): {"dbt_project": fingerprint}, or {"dbt_project": null} while dbt is
# rebuilding it — a build that fails leaves it null, and the next plan rebuilds everything.
def _working_state(layout: Layout) -> tuple[bool, str | None]:
    path = layout.state
    if not path.exists():
        return False, None
    try:
        return True, json.loads(path.read_text(encoding="utf-8")).get("dbt_project")
    except (OSError, ValueError):
        return True, None


def _write_state(layout: Layout, fingerprint: str | None) -> None:
    path = layout.state
    staged = path.with_name(path.name + ".part")
    staged.write_text(json.dumps({"dbt_project": fingerprint}), encoding="utf-8")
    staged.replace(path)


@contextmanager
def dbt_build(layout: Layout, as_of: str, complete: Callable[[], bool], engine: str = "duckdb"):
    """Around dbt's rebuild of the working file, keep the record of what it was built from.

    Until the build ends, the working file counts as built from nothing (a build killed midway
    makes the next plan rebuild everything). After it, the file matches the current project if
    every model was rebuilt (``complete()``), or if only some were and the rest already matched
    it; otherwise (a partial build of changed code) it stays unrecorded."""
    with duckdb.connect(str(layout.working)) as con:
        bookkeeping.ensure(con)
        known, before = _working_state(layout)
        if not known:  # a fresh copy of the published file: its own record says
            rows = con.execute("SELECT fingerprint FROM meta.build_state WHERE name = 'dbt_project'").fetchall()
            before = rows[0][0] if rows else None
    _write_state(layout, None)
    yield
    parts = fingerprint_parts(as_of, engine)
    current = fingerprint_of(parts)
    with duckdb.connect(str(layout.working)) as con:
        if complete() or before == current:
            con.execute("INSERT OR REPLACE INTO meta.build_state VALUES ('dbt_project', ?, now())", [current])
            # its parts: the next full build says which changed (plan_run), the exports' manifest
            # which engine built the models (core.publish)
            con.execute("INSERT OR REPLACE INTO meta.build_state VALUES ('dbt_project_parts', ?, now())",
                        [json.dumps(parts)])
            _write_state(layout, current)
        else:
            con.execute("DELETE FROM meta.build_state WHERE name IN ('dbt_project', 'dbt_project_parts')")


def refresh_args(layout: Layout, as_of: str, engine: str = "duckdb") -> list[str]:
    """dbt's ``--full-refresh`` when the working file's models were not built from the current
    dbt project (``meta.build_state``: another fingerprint, or none), else []. The incremental
    models (``int_monitoring_outlet_days``, ``int_file_periods``) only add what new deliveries
    bring: after a change to their SQL or to the contracts they would keep rows computed the old
    way, so a full build of changed code rebuilds them from the raw tables. Read before dbt
    opens the file (``dbt_build`` leaves ``meta.build_state`` as it was until the build ends)."""
    if not layout.working.exists():
        return []
    try:
        with duckdb.connect(str(layout.working), read_only=True) as con:
            built = con.execute("SELECT fingerprint FROM meta.build_state WHERE name = 'dbt_project'").fetchall() \
                if has_table(con, "meta", "build_state") else []
    except duckdb.Error:
        built = []
    return [] if built and built[0][0] == project_fingerprint(as_of, engine) else ["--full-refresh"]


@dataclass
class Plan:
    """What a run rebuilds: the extracts with unseen files or withdrawn deliveries and what
    is downstream of them, always the progress marts and what follows them (the wiring turns
    this into Dagster asset keys); ``changed`` None: everything."""
    changed: list[str] | None
    reason: str
    # nothing new, no blocking check failing, the working file's marts in place: the progress
    # marts the last publication built are current, and are not rebuilt
    marts_current: bool = False
    # extracts whose only unseen files hold the bytes of a delivery already loaded (a copy under
    # another name, a file touched): their raw assets run to record them, nothing downstream
    recorded_only: list[str] = field(default_factory=list)


def read_record(con: duckdb.DuckDBPyConnection) -> dict:
    """What a warehouse file was built from: {"fingerprint": str | None, "fingerprint_parts":
    {input: hash} | None, "files": [[extract, path, size, mtime_ms, sha256, status, file_id]],
    "withdrawals": [[file_id, extract]]}."""
    built = con.execute("SELECT fingerprint FROM meta.build_state WHERE name = 'dbt_project'").fetchall() \
        if has_table(con, "meta", "build_state") else []
    parts = con.execute("SELECT fingerprint FROM meta.build_state WHERE name = 'dbt_project_parts'").fetchall() \
        if has_table(con, "meta", "build_state") else []
    files = [[x, p, size, round(t.timestamp() * 1000), sha, status, file_id]
             for x, p, size, t, sha, status, file_id in con.execute(
                 "SELECT extract, path, size_bytes, received_at, sha256, status, file_id FROM meta.files").fetchall()] \
        if has_table(con, "meta", "files") else None
    return {"fingerprint": built[0][0] if built else None,
            "fingerprint_parts": json.loads(parts[0][0]) if parts else None, "files": files,
            "withdrawals": sorted([list(w) for w in _withdrawals(con)])}


def write_record(layout: Layout, record: dict) -> None:
    """Beside the published file (Layout.record), written at each publication so that a plan
    never has to open the analysts' file (a session there may hold a write lock)."""
    path = layout.record
    staged = path.with_name(path.name + ".part")
    staged.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    staged.replace(path)


def _published_record(layout: Layout) -> dict | str:
    """The published warehouse's record, or why it cannot be had."""
    path = layout.record
    if path.exists():
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
    try:
        con = duckdb.connect(str(layout.published), read_only=True)
    except duckdb.Error as exc:  # unreadable: rebuild rather than guess
        return f"published warehouse unreadable ({exc})"
    try:
        return read_record(con)
    finally:
        con.close()


def plan_run(layout: Layout, as_of: str = "", engine: str = "duckdb") -> Plan:
    """Compare the landing folder and the working file's withdrawals with what the published
    warehouse was built from (its record) and say what to rebuild, and why."""
    if not layout.published.exists():
        return Plan(None, "first build: no published warehouse yet")
    if engine == "spark" and not (layout.spark_dir / "warehouse").exists():
        return Plan(None, f"full build: Spark's warehouse ({layout.spark_dir}) holds no tables yet")
    record = _published_record(layout)
    if isinstance(record, str):
        return Plan(None, f"full build: {record}")
    parts = fingerprint_parts(as_of, engine)
    current = fingerprint_of(parts)
    if record["fingerprint"] != current:
        return Plan(None, _full_build_reason(record, parts, as_of, engine))
    known, working = _working_state(layout)
    if known and working != current:
        return Plan(None, "full build: the last build did not finish, or was built from other code")
    if record["files"] is None:
        return Plan(None, "full build: nothing loaded yet")
    landing = layout.landing
    seen: dict[str, set] = {}
    for x, path, size, ms, *_ in record["files"]:
        seen.setdefault(x, set()).add((path, size, ms))
    new = unseen_entries(seen, landing)
    repeats = _repeats(new, record)
    changed = [e for e in contracts() if any(n.extract == e and n.rel not in repeats for n in new)]
    recorded_only = [e for e in contracts() if e not in changed and any(n.extract == e for n in new)]
    strays = [n.rel for n in new if n.extract not in contracts()]
    published_withdrawals = {tuple(w) for w in record["withdrawals"]}
    withdrawn = sorted({x for f, x in _working_withdrawals(layout) - published_withdrawals} - set(changed))
    recorded_only = [e for e in recorded_only if e not in withdrawn]
    # files of no extract are recorded by landing/stray_files, which every run materialises
    also = f"; {len(strays)} file(s) of no extract to record" if strays else ""
    copies = sorted(n.rel for n in new if n.rel in repeats and n.extract in recorded_only)
    if copies:
        also += (f"; {len(copies)} file(s) with the bytes of a delivery already loaded (a copy, or a file "
                 f"touched), recorded without rebuilding ({', '.join(copies[:3])}{' …' if len(copies) > 3 else ''})")
    if not changed and not withdrawn:
        if _marts_current(layout):
            return Plan([], "no new files: the marts are current; their publication only" + also, marts_current=True,
                        recorded_only=recorded_only)
        return Plan([], "no new files: the marts and their publication only" + also, recorded_only=recorded_only)
    return Plan(changed + withdrawn, "incremental: " + "; ".join(filter(None, [
        "new files for " + ", ".join(changed) if changed else "",
        "withdrawn deliveries of " + ", ".join(withdrawn) if withdrawn else ""])) + also,
        recorded_only=recorded_only)


def _repeats(new: list, record: dict) -> set[str]:
    """The unseen files (landing-relative paths) whose bytes a loaded, not withdrawn delivery
    of the published build already holds — a copy under another name, a file touched — which
    the loader records as duplicates (or as the same file) without loading a row. Only a file
    of the size of such a delivery is hashed, so a night's genuinely new files are not read
    here (the loader reads them). A record from before hashes were kept (shorter entries):
    none."""
    withdrawn = {file_id for file_id, _ in record["withdrawals"]}
    delivered = {(entry[2], entry[4]) for entry in record["files"]
                 if len(entry) >= 7 and entry[5] == "loaded" and entry[6] not in withdrawn}
    sizes = {size for size, _ in delivered}
    return {n.rel for n in new if n.problem is None and n.size in sizes
            and (n.size, n.fingerprint()) in delivered}


def _marts_current(layout: Layout) -> bool:
    """The working file holds the progress marts and no blocking check fails on it (a failing
    one must stop the marts again, and say so)."""
    if not layout.working.exists():
        return False
    try:
        con = duckdb.connect(str(layout.working), read_only=True)
    except duckdb.Error:
        return False
    try:
        return has_table(con, "marts", "target_progress") and has_table(con, "dq", "check_results") \
            and not bookkeeping.failing_now(con)
    except duckdb.Error:
        return False
    finally:
        con.close()


def _withdrawals(con) -> set[tuple[int, str]]:
    """(file_id, extract) of every withdrawn delivery."""
    if not has_table(con, "meta", "withdrawals"):
        return set()
    return set(con.execute("SELECT w.file_id, f.extract FROM meta.withdrawals w "
                           "JOIN meta.files f USING (file_id)").fetchall())


def _working_withdrawals(layout: Layout) -> set[tuple[int, str]]:
    """Withdrawals recorded in the working file (`plantrack withdraw`) — the published one
    learns of them when the next build publishes."""
    if not layout.working.exists():
        return set()
    try:
        con = duckdb.connect(str(layout.working), read_only=True)
    except duckdb.Error:
        return set()
    try:
        return _withdrawals(con)
    finally:
        con.close()
