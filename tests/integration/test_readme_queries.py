"""The README's SQL runs: every ```sql block, read-only on the sample build (the Parquet
example on its exports). The analysts' six example questions return rows."""

import re

import duckdb

from orchestration.core.layout import PROJECT_ROOT


def sql_blocks() -> list[str]:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sql\n(.*?)```", readme, flags=re.S)


def statements(block: str) -> list[str]:
    code = re.sub(r"--[^\n]*", "", block)  # comments may hold a semicolon
    return [s.strip() for s in code.split(";") if s.strip()]


def test_every_sql_example_of_the_readme_runs(clean_run):
    tmp, code, _ = clean_run
    assert code == 0
    blocks = sql_blocks()
    numbered = [b for b in blocks if re.match(r"-- [1-6]\. ", b)]
    assert len(numbered) == 6
    con = duckdb.connect(str(tmp / "warehouse.duckdb"), read_only=True)
    try:
        for block in blocks:
            for statement in statements(block.replace("'data/exports/", f"'{tmp / 'exports'}/")):
                rows = con.execute(statement).fetchall()
                if block in numbered and statement == statements(block)[0]:
                    assert rows, f"no rows on the sample build:\n{statement}"
    finally:
        con.close()
