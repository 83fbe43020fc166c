"""Great Expectations suites over DataFrames read out of DuckDB.

GX 1.x cannot query DuckDB through SQLAlchemy (DESIGN.md), so each suite names the SQL that
gives its DataFrame; GX validates the frame. A suite file (``suites/<name>.json``) is GX's own
suite format plus three keys of ours:

  guards    the Dagster asset the suite is a check on, e.g. ["raw", "env_boilers"]
  extracts  the extracts whose figures it judges (for the data_quality flag of target_progress)
  query     the SQL for the frame; ``{new_files}`` stands for the file ids delivered in this run

Each expectation carries ``meta.severity``: ``error`` (critical — blocks what is downstream) or
``warning`` (reported, the build goes on). An expectation whose metric raised an exception is
an error, never a pass. Results go to dq.check_results, which the data-quality page shows
(orchestration/core/report/quality.py). GX runs in an ephemeral context: no project folder, no
Data Docs site (it loaded its styles and scripts from outside addresses, and named neither the
asset nor the run of a DataFrame validation), nothing stored but what we record.

A raw suite (``raw_<extract>``, one per contract) judges the deliveries of a run. Its file holds
only what the contract cannot say — the statistical expectations (plausible ranges, one figure
not above another) — as ``{"name": "raw_<extract>", "expectations": [...]}``; the rest comes
from the contract when the suites are read (``raw_suite``): guards, extracts, query,
description and, ahead of the file's expectations, the structural ones (``raw_structure``).

The suite of a ``bulk`` extract (the hourly feed: ~100 M rows in a provincial year's full
build) never has its rows in pandas at once: ``validate_bulk`` judges its row-by-row
expectations on batches of about a million rows streamed out of DuckDB and adds their counts
up, its column checks on the columns alone and its key on the rows DuckDB's aggregate finds
repeated — the same verdicts and dq.check_results rows, in bounded memory. (GX's SQL data
sources would need a SQLAlchemy dialect for DuckDB, which the project does not carry.)
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import math
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

from typing import TYPE_CHECKING  # noqa: E402

import duckdb  # noqa: E402

# Great Expectations (and the pandas and scipy it pulls in: about 2.5 s of imports) is loaded
# when a suite is validated, not when the suites are read: a run or command that validates none
# (a quiet night, `plantrack status`, the Dagster definitions) does not pay for it.
if TYPE_CHECKING:
    import pandas as pd

from sources import bookkeeping  # noqa: E402
from sources.contract import Contract, contracts  # noqa: E402

SUITES_DIR = Path(__file__).parent / "suites"
OUR_KEYS = ("guards", "extracts", "query", "description", "bulk")
# A bulk suite's rows reach pandas this many at a time (DuckDB vectors of 2,048 rows: about a
# million rows, ~100 MB of frame for the hourly feed's columns)
BULK_VECTORS = 500
# what a bulk suite may hold, by how it is judged without the whole table in pandas
SCHEMA_EXPECTATIONS = ("expect_column_to_exist", "expect_table_columns_to_match_set",
                       "expect_table_columns_to_match_ordered_list")
UNIQUE_EXPECTATIONS = ("expect_compound_columns_to_be_unique", "expect_select_column_values_to_be_unique_within_record")



@dataclass
class ExpectationOutcome:
    expectation: str
    column: str | None
    severity: str
    success: bool
    observed: str | None
    unexpected: list
    message: str | None
    # a row-by-row expectation's counts (GX's result): what merging batches adds up
    unexpected_count: int | None = None
    element_count: int | None = None
    missing_count: int | None = None
    raised: bool = False


@dataclass
class SuiteOutcome:
    suite: str
    asset: str
    extracts: list[str]
    rows: int
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    skipped: str | None = None
    judged_files: list[int] | None = None

    def failed(self, severity: str) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity == severity]

    verdict: str = "passed"  # as dq.suite_verdicts judges the recorded evaluation

    def summary(self) -> str:
        bad = self.failed("error") + self.failed("warning")
        return "; ".join(f"{o.severity}: {o.expectation}({o.column or ''})"
                         + (f" observed {o.observed}" if o.observed else "")
                         + (f" e.g. {o.unexpected[:3]}" if o.unexpected else "")
                         + (f" — {o.message}" if o.message else "") for o in bad) or "all expectations met"


def raw_structure(contract: Contract) -> list[dict]:
    """The structural expectations of a raw suite, from the contract: every column exists, the
    columns every file carries (key, ``required``) that are ``not_null`` hold a value, and a key
    comes once per delivery. The loader makes the table from the contract and quarantines rows
    that break these, so on a healthy warehouse they pass; they stay as the loader's cross-check
    (a table made before a contract gained a column fails here, not in a model). Only the
    columns every file carries: a partial revision leaves the others NULL (issue 11)."""
    def expectation(kind: str, kwargs: dict, **meta) -> dict:
        return {"type": kind, "kwargs": kwargs, "meta": {"severity": "error", **meta}}

    return ([expectation("expect_column_to_exist", {"column": c.name}) for c in contract.columns]
            + [expectation("expect_column_values_to_not_be_null", {"column": c.name})
               for c in contract.required_columns if c.not_null]
            + [expectation("expect_compound_columns_to_be_unique", {"column_list": ["_file_id", *contract.key]},
                           notes="a key once per delivery (a later delivery may repeat it: a revision)")])


def raw_suite(contract: Contract, statistical: dict) -> dict:
    """The raw suite of one extract: ``statistical`` (its file: name and statistical
    expectations) completed from the contract."""
    x = contract.extract
    if statistical.get("name", f"raw_{x}") != f"raw_{x}":
        raise ValueError(f"raw_{x}.json: its name is raw_{x}, not {statistical['name']}")
    if set(statistical) - {"name", "expectations"}:
        raise ValueError(f"raw_{x}.json: a raw suite holds only name and expectations; "
                         f"{sorted(set(statistical) - {'name', 'expectations'})} come from the contract")
    return {"name": f"raw_{x}", "guards": ["raw", x], "extracts": [x],
            "description": f"{contract.name_zh} — the deliveries of this run: columns, keys, plausible ranges",
            "query": f"SELECT * FROM raw.{x} WHERE _file_id IN ({{new_files}})",
            "bulk": contract.bulk,
            "expectations": raw_structure(contract) + statistical["expectations"]}


def bulk_kind(expectation: dict) -> str:
    """How a bulk suite judges an expectation without its rows all in memory: ``schema`` (on
    the columns alone), ``unique`` (on the rows whose key DuckDB found more than once), or
    ``rows`` (row by row, on bounded batches whose counts add up). Anything else has no
    bounded form: ValueError (give it a suite of its own on an aggregate query)."""
    kind = expectation["type"]
    if kind in SCHEMA_EXPECTATIONS:
        return "schema"
    if kind == "expect_compound_columns_to_be_unique":
        return "unique"
    if kind.startswith("expect_column_values_"):
        return "rows"
    raise ValueError(f"{kind}: a bulk suite (contract bulk: true) judges only row-by-row, "
                     "column and compound-key expectations; a table-wide one needs a suite of its "
                     "own on an aggregate query (e.g. quality.quality_monitoring_hours)")


@cache
def suites() -> dict[str, dict]:
    """Every suite, by name: the suite files, a raw suite completed from its contract (one for
    every contract, even one whose file is missing: tests/unit/test_catalogue.py asks for the
    file). Unknown expectation types fail loudly when a suite is validated (``check_types``;
    tests/unit/test_suites.py checks every suite): GX itself would drop them with only a log line."""
    out = {}
    files = {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(SUITES_DIR.glob("*.json"))}
    for x, contract in contracts().items():
        files[f"raw_{x}"] = raw_suite(contract, files.get(f"raw_{x}", {"expectations": []}))
    for stem, spec in sorted(files.items()):
        if stem.startswith("raw_") and stem[4:] not in contracts():
            raise ValueError(f"{stem}.json: no contract sources/contracts/{stem[4:]}.yaml")
        for e in spec["expectations"]:
            if e.get("meta", {}).get("severity") not in ("error", "warning"):
                raise ValueError(f"{stem}.json: {e['type']} needs meta.severity error or warning")
            if spec.get("bulk"):
                bulk_kind(e)
        out[spec["name"]] = spec
    return out


def check_types(spec: dict) -> None:
    """Raise ValueError (GX's InvalidExpectationConfigurationError) for an expectation type GX
    does not know, which GX would otherwise drop with a log line. Imports GX."""
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    for e in spec["expectations"]:
        ExpectationConfiguration(**_gx_expectation(e)).to_domain_obj()


def _gx_expectation(e: dict) -> dict:
    e = copy.deepcopy(e)
    e["severity"] = "critical" if e["meta"]["severity"] == "error" else "warning"
    return e


class Validator:
    """One GX ephemeral context (in memory: nothing written, no Data Docs) for the suites it
    validates."""

    def __init__(self):
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        logging.getLogger("great_expectations").setLevel(logging.WARNING)
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        self.source = self.context.data_sources.add_pandas(name="plantrack")

    def _batch_definition(self, name: str):
        try:
            asset = self.source.get_asset(name)
        except LookupError:
            asset = self.source.add_dataframe_asset(name=name)
        try:
            return asset.get_batch_definition("whole")
        except KeyError:
            return asset.add_batch_definition_whole_dataframe("whole")

    def validate(self, spec: dict, frame: pd.DataFrame) -> list[ExpectationOutcome]:
        import great_expectations as gx

        check_types(spec)
        suite_spec = {k: v for k, v in spec.items() if k not in OUR_KEYS}
        suite_spec["expectations"] = [_gx_expectation(e) for e in suite_spec["expectations"]]
        suite = self.context.suites.add_or_update(gx.ExpectationSuite(**suite_spec))
        definition = self.context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=spec["name"], data=self._batch_definition(spec["name"]), suite=suite))
        suite_result = definition.run(batch_parameters={"dataframe": frame},
                                      result_format={"result_format": "SUMMARY", "partial_unexpected_count": 5})
        outcomes = []
        for suite_result in [suite_result]:
            for r in suite_result.results:
                raised, message = _exception(r.exception_info)
                res = r.result or {}
                observed = res.get("observed_value")
                if observed is None and res.get("element_count") is not None:
                    # a row-by-row expectation has no single observed value: say how many rows
                    # failed it, of how many checked (nulls are not judged by most of them)
                    observed = f"{res.get('unexpected_count', 0)} of {res['element_count']} rows unexpected"
                counts = {k: res.get(k) for k in ("unexpected_count", "element_count", "missing_count")}
                outcomes.append(ExpectationOutcome(
                    expectation=r.expectation_config.type,
                    column=r.expectation_config.kwargs.get("column")
                    or ",".join(r.expectation_config.kwargs.get("column_list", []) or []) or None,
                    # a metric that raised is an error, whatever severity the expectation had
                    severity="error" if raised else r.expectation_config.meta.get("severity", "error"),
                    success=bool(r.success) and not raised,
                    observed=None if observed is None else str(observed),
                    unexpected=[_plain(v) for v in res.get("partial_unexpected_list", [])][:5],
                    message=message, raised=raised, **counts))
        return outcomes


def _exception(info: dict | None) -> tuple[bool, str | None]:
    """exception_info is flat, or keyed by metric id when a metric failed."""
    info = info or {}
    if "raised_exception" in info:
        return bool(info["raised_exception"]), info.get("exception_message")
    messages = [v.get("exception_message") for v in info.values()
                if isinstance(v, dict) and v.get("raised_exception")]
    return bool(messages), "; ".join(m for m in messages if m) or None


def _plain(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def _query(spec: dict, new_files: list[int] | None) -> str | None:
    query = spec["query"]
    if "{new_files}" in query:
        if new_files is None:
            return None
        query = query.replace("{new_files}", ", ".join(str(int(f)) for f in new_files) or "NULL")
    return query


def frame(con: duckdb.DuckDBPyConnection, spec: dict, new_files: list[int] | None) -> pd.DataFrame | None:
    """The suite's DataFrame; None when it judges new deliveries and has none to judge
    (``new_files`` None or empty; ``[]`` after a withdrawal left nothing: see
    ``files_to_judge``, gives an empty frame instead, so that a new verdict is recorded).
    A bulk suite's frame holds its columns only (no rows): ``validate_bulk`` brings the rows."""
    query = _query(spec, new_files)
    if query is None:
        return None
    if spec.get("bulk"):
        query = f"SELECT * FROM ({query}) LIMIT 0"
    return con.execute(query).df()


def validate_bulk(con: duckdb.DuckDBPyConnection, validator: "Validator", spec: dict,
                  new_files: list[int], vectors: int = BULK_VECTORS) -> tuple[int, list[ExpectationOutcome]]:
    """A bulk suite (the hourly feed: up to ~100 M rows a full build) judged with a bounded
    frame in memory, whatever the delivery's size. Returns (rows judged, outcomes in the
    suite's order).

    - ``schema`` expectations (columns exist) on the query's columns, no rows;
    - ``rows`` (row by row: not null, between, in set) on batches of ``vectors`` × 2,048 rows
      streamed out of DuckDB (``fetch_df_chunk``), only the columns they name; each batch is a
      GX validation, and the batches add up: unexpected, element and missing counts are summed,
      the first five unexpected values kept, and the verdict is every batch's success — or,
      with ``mostly``, GX's own rule on the sums: (non-missing − unexpected) / non-missing ≥
      mostly (a batch may fail alone and the whole pass, or the reverse);
    - ``unique`` (a compound key once) on the rows whose key DuckDB counts more than once
      (an aggregate that spills to disk; none on a healthy delivery), with the element count
      of the whole delivery."""
    query = _query(spec, new_files)
    kinds = [bulk_kind(e) for e in spec["expectations"]]
    outcomes: dict[int, ExpectationOutcome] = {}

    def judge(indexes: list[int], data: pd.DataFrame) -> list[ExpectationOutcome]:
        part = {**spec, "expectations": [spec["expectations"][i] for i in indexes]}
        return validator.validate(part, data)

    schema = [i for i, k in enumerate(kinds) if k == "schema"]
    if schema:
        outcomes.update(zip(schema, judge(schema, con.execute(f"SELECT * FROM ({query}) LIMIT 0").df())))

    rows = [i for i, k in enumerate(kinds) if k == "rows"]
    batches: list[list[ExpectationOutcome]] = []
    total = 0
    if rows:
        columns = sorted({spec["expectations"][i]["kwargs"]["column"] for i in rows})
        result = con.execute(f"SELECT {', '.join(columns)} FROM ({query})")
        while len(batch := result.fetch_df_chunk(vectors)):
            total += len(batch)
            batches.append(judge(rows, batch))
            del batch
        if not batches:  # no rows: GX's verdict on an empty frame
            batches.append(judge(rows, con.execute(f"SELECT {', '.join(columns)} FROM ({query}) LIMIT 0").df()))
        for j, i in enumerate(rows):
            outcomes[i] = merge_batches([b[j] for b in batches], spec["expectations"][i]["kwargs"].get("mostly"))
    else:
        total = con.execute(f"SELECT count(*) FROM ({query})").fetchall()[0][0]

    for i in (i for i, k in enumerate(kinds) if k == "unique"):
        key = spec["expectations"][i]["kwargs"]["column_list"]
        cols = ", ".join(key)
        repeated = con.execute(f"""
            SELECT {', '.join(f"q.{c}" for c in key)} FROM ({query}) q
            SEMI JOIN (SELECT {cols} FROM ({query}) GROUP BY ALL HAVING count(*) > 1) d USING ({cols})""").df()
        found = judge([i], repeated)[0]
        found.element_count, found.unexpected_count = total, found.unexpected_count or 0
        found.observed = f"{found.unexpected_count} of {total} rows unexpected"
        outcomes[i] = found
    return total, [outcomes[i] for i in range(len(kinds))]


def merge_batches(parts: list[ExpectationOutcome], mostly: float | None) -> ExpectationOutcome:
    """One row-by-row expectation's outcome over a delivery from its batches' outcomes (see
    ``validate_bulk``). A batch whose metric raised makes the whole an error."""
    first = parts[0]
    unexpected = sum(p.unexpected_count or 0 for p in parts)
    elements = sum(p.element_count or 0 for p in parts)
    missing = sum(p.missing_count or 0 for p in parts)
    raised = [p for p in parts if p.raised]
    if raised:
        success = False
    elif mostly is None:
        success = all(p.success for p in parts)
    else:
        judged = elements - missing
        success = judged == 0 or (judged - unexpected) / judged >= mostly
    return ExpectationOutcome(
        expectation=first.expectation, column=first.column,
        severity=raised[0].severity if raised else first.severity, success=success,
        observed=f"{unexpected} of {elements} rows unexpected",
        unexpected=[v for p in parts for v in p.unexpected][:5],
        message="; ".join(dict.fromkeys(p.message for p in parts if p.message)) or None,
        unexpected_count=unexpected, element_count=elements, missing_count=missing, raised=bool(raised))


def files_to_judge(con: duckdb.DuckDBPyConnection, name: str, extract: str,
                   loaded_now: list[int]) -> tuple[list[int] | None, str | None]:
    """The deliveries a suite of new deliveries judges in this run, and why.

    Every loaded, not withdrawn delivery of the extract that no verdict of this suite has
    judged yet: the files loaded in this run (``loaded_now``), and those a run loaded and then
    died before its checks (kill -9, a full disk) — the next run judges them, so no delivery
    reaches the models unchecked. Otherwise, when a delivery was withdrawn since the suite's
    newest verdict (`plantrack withdraw`), that verdict's files less the withdrawn ones —
    possibly none: a verdict on a withdrawn delivery no longer stands, so a run it blocked is
    unblocked. Otherwise None: nothing to judge. (Verdicts recorded before judged_files
    existed count as having judged every file processed before them.)"""
    bookkeeping.ensure(con)
    unjudged = [r[0] for r in con.execute("""
        SELECT f.file_id FROM meta.files f
        WHERE f.extract = ? AND f.status = 'loaded'
          AND f.file_id NOT IN (SELECT file_id FROM meta.withdrawals)
          AND f.file_id NOT IN (SELECT unnest(judged_files) FROM dq.check_results
                                WHERE suite = ? AND judged_files IS NOT NULL)
          AND f.processed_at > coalesce((SELECT max(checked_at) FROM dq.check_results
                                         WHERE suite = ? AND judged_files IS NULL), TIMESTAMP '-infinity')
        ORDER BY f.file_id""", [extract, name, name]).fetchall()]
    if unjudged:
        earlier = [f for f in unjudged if f not in set(loaded_now)]
        return unjudged, (f"also judges file(s) {', '.join(map(str, earlier))}, loaded by a run that "
                          "ended before its checks" if earlier else None)
    checked_at, judged = con.execute(
        "SELECT max(checked_at), any_value(judged_files) FROM dq.latest_results WHERE suite = ?",
        [name]).fetchall()[0]
    if checked_at is None:
        return None, None
    withdrawn = {r[0] for r in con.execute("""
        SELECT w.file_id FROM meta.withdrawals w JOIN meta.files f USING (file_id)
        WHERE f.extract = ? AND w.withdrawn_at > ?""", [extract, checked_at]).fetchall()}
    if not withdrawn:
        return None, None
    kept = [f for f in (judged or []) if f not in withdrawn]
    return kept, "re-judged after the withdrawal of file(s) " + ", ".join(map(str, sorted(withdrawn)))


def run_suite(con: duckdb.DuckDBPyConnection, validator: Validator, name: str, run_id: str,
              new_files: list[int] | None) -> SuiteOutcome:
    """Validate one suite and record its results in dq.check_results. ``new_files``: the
    deliveries a suite of new deliveries judges (``files_to_judge``); None: nothing new."""
    spec = suites()[name]
    outcome = SuiteOutcome(name, "/".join(spec["guards"]), spec.get("extracts", []), 0)
    data = frame(con, spec, new_files)
    if data is None:
        outcome.skipped = "no new delivery in this run"
        return outcome
    if "{new_files}" in spec["query"]:
        outcome.judged_files = list(new_files)
    if spec.get("bulk"):
        outcome.rows, outcome.outcomes = validate_bulk(con, validator, spec, new_files)
    else:
        outcome.rows = len(data)
        outcome.outcomes = validator.validate(spec, data)
    checked_at = record(con, run_id, outcome)
    # the verdict rule lives in one place, the view every report reads
    verdict = con.execute("SELECT verdict FROM dq.suite_verdicts WHERE suite = ? AND checked_at = ?",
                          [name, checked_at]).fetchall()
    outcome.verdict = verdict[0][0] if verdict else "passed"  # a suite without expectations
    return outcome


def record(con: duckdb.DuckDBPyConnection, run_id: str, outcome: SuiteOutcome) -> dt.datetime:
    """Store an evaluation in dq.check_results; returns its checked_at."""
    bookkeeping.ensure(con)
    now = dt.datetime.now(dt.UTC)
    con.executemany(
        "INSERT INTO dq.check_results (run_id, checked_at, asset, suite, expectation, column_name, "
        "severity, success, observed_value, unexpected, message, extracts, rows_checked, judged_files) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[run_id, now, outcome.asset, outcome.suite, o.expectation, o.column, o.severity, o.success,
          o.observed, json.dumps(o.unexpected, ensure_ascii=False, default=str), o.message,
          outcome.extracts, outcome.rows, outcome.judged_files] for o in outcome.outcomes])
    return now
