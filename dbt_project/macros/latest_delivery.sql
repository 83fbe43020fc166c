{# The figures of each key, value by value (issue 11). Offices resend a single column (a
   revision of one city's energy use) or a table that lacks some columns, so a delivery counts
   for the columns it carried with a figure, not for the whole row:

   - for every measure, the value of the newest delivery (highest _file_id) that gave one: a
     column a file did not carry, or carried with a missing marker (—, blank …), erases nothing
     delivered earlier (quality_withdrawn_values lists such "withdrawn?" cells);
   - a withdrawn delivery (meta.withdrawals, `plantrack withdraw`) does not count;
   - as_known_on (a SQL date expression, optional): only deliveries received on or before that
     day (in Beijing) count, and only withdrawals made by then — the figures as known on that date.
   Deliveries received at the same time are ordered by file_id (the loader's order: time, then path).

   raw keeps every delivery, so the history stays queryable. Columns: the key, each measure's
   newest figure; _file_id / _row = the newest delivery of the key and its row, _delivered_at =
   when it landed (Beijing time), _key = the key as text, _value_files = map measure → meta.files.file_id its
   figure comes from, _withdrawn_values = list of {measure, missing_in_file, missing_in_row, figure_from_file}. #}
{% macro latest_delivery(extract, key, as_known_on=none) %}
{%- set relation = source('raw', extract) -%}
{%- set deliveries, files, withdrawals = relation, source('meta', 'files'), source('meta', 'withdrawals') -%}
{%- if as_known_on is not none -%}
    {#- a table macro is stored in the file: without the catalog's name, which is the name the
        file is opened under (a CLI opening a copy, an analyst's ATTACH … AS wh) -#}
    {%- set deliveries, files, withdrawals = relation.include(database=false), files.include(database=false),
                                             withdrawals.include(database=false) -%}
{%- endif -%}
{%- set measures = [] -%}
{%- for col in (adapter.get_columns_in_relation(relation) if execute else []) -%}
    {#- (the lake's partition folders, month=…, are no delivered column: Spark target) -#}
    {%- if col.name not in key and col.name not in ['_file_id', '_row'] and col.name not in var('lake_partition_columns') -%}{%- do measures.append(col.name) -%}{%- endif -%}
{%- endfor -%}
select
{%- for k in key %}
    r.{{ k }},
{%- endfor %}
{%- for m in measures %}
    max_by(r.{{ m }}, r._file_id) filter (where r.{{ m }} is not null) as {{ m }},
{%- endfor %}
    max(r._file_id) as _file_id,
    max_by(r._row, r._file_id) as _row,
    {{ beijing_time('max(f.received_at)') }} as _delivered_at,
    concat_ws(' / ', {% for k in key %}cast(r.{{ k }} as {{ text_type() }}){{ ', ' if not loop.last }}{% endfor %}) as _key,
    {%- set value_files = [] %}
    {%- for m in measures %}{% do value_files.append((m, 'max(r._file_id) filter (where r.' ~ m ~ ' is not null)')) %}{% endfor %}
    {{ map_of(value_files) }} as _value_files,
    -- a measure whose newest delivery carried the column but left it missing (—, blank) while an
    -- earlier delivery gave a figure: the earlier figure stands, but was it withdrawn?
    {%- set withdrawn = [] %}
    {%- for m in measures %}
        {%- set carried = 'coalesce(' ~ list_has('f.columns_delivered', "'" ~ m ~ "'") ~ ', true)' %}
        {%- do withdrawn.append(struct_of([
            ('measure', "'" ~ m ~ "'"),
            ('missing_in_file', 'max(r._file_id) filter (where ' ~ carried ~ ')'),
            ('missing_in_row', 'max_by(r._row, r._file_id) filter (where ' ~ carried ~ ')'),
            ('figure_from_file', 'max(r._file_id) filter (where r.' ~ m ~ ' is not null)')])) %}
    {%- endfor %}
    {{ list_where(array_of(withdrawn), 'w', 'w.missing_in_file > w.figure_from_file') }} as _withdrawn_values
from {{ deliveries }} as r
join {{ files }} as f on f.file_id = r._file_id
where r._file_id not in (
    select w.file_id from {{ withdrawals }} as w
    {%- if as_known_on is not none %}
    -- as known then: a delivery withdrawn later still counted on that day
    where {{ beijing_time('w.withdrawn_at') }} < cast({{ as_known_on }} as date) + interval 1 day
    {%- endif %}
)
{%- if as_known_on is not none %}
  and {{ beijing_time('f.received_at') }} < cast({{ as_known_on }} as date) + interval 1 day
{%- endif %}
group by {% for k in key %}r.{{ k }}{{ ', ' if not loop.last }}{% endfor %}
{% endmacro %}


{# A DuckDB table macro staging.<extract>_as_known_on(d): the figures of the extract as known on
   day d, built from the same definition as the staging model. Run as the staging model's
   post-hook, so it is rebuilt whenever the model is. Example:
     SELECT energy_total FROM staging.stats_city_indicators_as_known_on(DATE '2016-03-01')
     WHERE region_code = '210100' AND period = '2015' #}
{% macro create_as_known_on(extract, key) %}
{{ return(adapter.dispatch('create_as_known_on')(extract, key)) }}
{% endmacro %}

{#- Spark has no table macros: the figures as known on a date are DuckDB's (plantrack's CLI) -#}
{% macro spark__create_as_known_on(extract, key) %}
select 1 as no_table_macros_on_spark
{% endmacro %}

{% macro default__create_as_known_on(extract, key) %}
create or replace macro {{ this.schema }}.{{ extract }}_as_known_on(as_known_on) as table
{{ latest_delivery(extract, key, as_known_on='as_known_on') }}
{% endmacro %}


{# The post-hook of a staging model that creates its _as_known_on macro. Hooks are rendered when
   the model runs (the raw table's columns are known then), so this returns the hook's text. #}
{% macro as_known_on_hook(extract, key) %}
{{- return("{{ create_as_known_on('" ~ extract ~ "', " ~ (key | tojson | replace('"', "'")) ~ ") }}") -}}
{% endmacro %}
