"""The data dictionary of the published marts, generated from the dbt project's descriptions
(models/marts/<mart>.yml: description, data_type, meta.unit): one source for the dbt docs,
the Parquet manifest, the dictionary files shipped with the exports and the bulletin's
appendix."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

# the marts published for BI tools, in the order people read them
# (bulletin_*: what the progress bulletin shows, published so the figures can be traced;
# target_lineage: where each figure of target_progress comes from, for `plantrack explain` and BI tools)
MARTS = ("target_progress", "city_scorecard", "city_bulletin", "early_warning", "target_projection",
         "indicator_values", "bulletin_headline", "bulletin_cities", "bulletin_warnings", "target_lineage")


@dataclass
class Column:
    name: str
    data_type: str
    unit: str
    description: str


@dataclass
class Table:
    name: str
    description: str
    columns: list[Column]

    @property
    def file(self) -> str:
        return f"{self.name}.parquet"


def data_dictionary(manifest_path: Path) -> list[Table]:
    manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    models = {n["name"]: n for n in manifest["nodes"].values()
              if n["resource_type"] == "model" and n["name"] in MARTS}
    missing = set(MARTS) - set(models)
    if missing:
        raise ValueError(f"dbt manifest {manifest_path} has no model {', '.join(sorted(missing))}")
    return [Table(name, " ".join(models[name]["description"].split()),
                  [Column(c["name"], c.get("data_type") or "", (c.get("meta") or {}).get("unit", ""),
                          " ".join(c.get("description", "").split()))
                   for c in models[name]["columns"].values()])
            for name in MARTS]


def dictionary_markdown(tables: list[Table]) -> str:
    lines = ["# plantrack data dictionary 数据字典", "",
             "The marts of the warehouse (`marts.<name>` in DuckDB, `<name>.parquet` in the exports).",
             "Generated from the dbt project's descriptions (dbt_project/models/marts/<mart>.yml).", ""]
    for t in tables:
        lines += [f"## {t.name}", "", t.description, "", f"File: `{t.file}`", "",
                  "| column 列 | type 类型 | unit 单位 | meaning 含义 |", "|---|---|---|---|"]
        lines += [f"| `{c.name}` | {c.data_type} | {c.unit or '—'} | {c.description.replace('|', '/')} |"
                  for c in t.columns]
        lines.append("")
    return "\n".join(lines)


def dictionary_csv(tables: list[Table]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["table", "column", "data_type", "unit", "description"])
    for t in tables:
        writer.writerows([t.name, c.name, c.data_type, c.unit, c.description] for c in t.columns)
    return out.getvalue()


def write_dictionary(tables: list[Table], folder: Path) -> list[Path]:
    """data_dictionary.md and data_dictionary.csv (UTF-8 with BOM, so Excel reads the Chinese)."""
    md, table = folder / "data_dictionary.md", folder / "data_dictionary.csv"
    md.write_text(dictionary_markdown(tables), encoding="utf-8")
    table.write_text(dictionary_csv(tables), encoding="utf-8-sig")
    return [md, table]
