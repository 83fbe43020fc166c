"""DuckDB carries the descriptions itself (dbt persist_docs; the loader for raw): what the
DuckDB CLI's `describe`, duckdb_tables()/duckdb_columns() and DBeaver show analysts."""


def test_every_table_and_view_of_the_warehouse_has_a_comment(clean_run):
    _, _, warehouse = clean_run
    relations = warehouse.execute("""
        SELECT schema_name, table_name, comment FROM duckdb_tables()
        WHERE schema_name IN ('raw', 'staging', 'intermediate', 'quality', 'marts', 'reference')
        UNION ALL
        SELECT schema_name, view_name, comment FROM duckdb_views()
        WHERE schema_name IN ('staging', 'intermediate', 'quality', 'marts') AND NOT internal""").fetchall()
    assert {s for s, _, _ in relations} == {"raw", "staging", "intermediate", "quality", "marts", "reference"}
    assert [f"{s}.{t}" for s, t, c in relations if not c] == []
    # the columns of the marts and quality models carry their meaning (the YAML), raw ones their contract's
    missing = warehouse.execute("""
        SELECT schema_name || '.' || table_name || '.' || column_name FROM duckdb_columns()
        WHERE schema_name IN ('marts', 'raw', 'quality') AND comment IS NULL""").fetchall()
    assert missing == []
    [(comment,)] = warehouse.execute("""SELECT comment FROM duckdb_columns()
        WHERE schema_name = 'marts' AND table_name = 'target_progress' AND column_name = 'region_code'""").fetchall()
    assert "GB/T 2260" in comment
    [(comment,)] = warehouse.execute("""SELECT comment FROM duckdb_tables()
        WHERE schema_name = 'quality' AND table_name = 'quality_city_sums'""").fetchall()
    assert comment.startswith("Reconciliation of parts with totals")
