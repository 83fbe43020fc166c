{# The dbt sources on Spark (issue 19): every source in the graph (raw.*, meta.*, dq.*) as a table
   over the Parquet the loader exports to the lake, <lake>/<schema>/<identifier>/ (var lake: a
   local folder, a shared path or an object store the cluster reads). Run on run start, so the
   models see the last export: each table is dropped and created again (an external table: dropping
   it never touches the files), which picks up a changed schema as well as new files; the hourly
   feed's month=YYYY-MM folders are read as a partition column (month), found in the files at query
   time (spark.sql.hive.manageFilesourcePartitions off), so a new month needs no repair.
   On DuckDB the sources are the warehouse's own tables: nothing to do. #}
{% macro register_lake_sources() %}
    {{ return(adapter.dispatch('register_lake_sources')()) }}
{% endmacro %}

{#- (an empty hook: dbt runs nothing) -#}
{% macro default__register_lake_sources() %}{% endmacro %}

{% macro spark__register_lake_sources() %}
    {%- set lake = var('lake', env_var('PLANTRACK_LAKE', '../data/lake')) -%}
    {%- if execute -%}
        {#- Spark would read a relative LOCATION from its warehouse folder, not from here -#}
        {%- if not (lake.startswith('/') or ':/' in lake) -%}
            {{ exceptions.raise_compiler_error("var lake (PLANTRACK_LAKE) must be an absolute path or a URL "
                                               ~ "(hdfs://, s3a://) on Spark, not '" ~ lake ~ "'") }}
        {%- endif -%}
        {%- set schemas = [] -%}
        {%- for node in graph.sources.values() | sort(attribute='unique_id') -%}
            {%- if node.schema not in schemas -%}
                {%- do schemas.append(node.schema) -%}
                {%- do run_query('create database if not exists ' ~ node.schema) -%}
            {%- endif -%}
            {%- set table = node.schema ~ '.' ~ node.identifier -%}
            {%- do run_query('drop table if exists ' ~ table) -%}
            {%- do run_query("create table " ~ table ~ " using parquet location '"
                             ~ lake ~ "/" ~ node.schema ~ "/" ~ node.identifier ~ "'") -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
