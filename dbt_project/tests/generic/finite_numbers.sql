{#- No NaN and no infinity in any floating-point column of the table: neither is a figure any
    office meant. The loader never produces them (sources/read.py: pt_number); this guards the
    loaded tables themselves, whatever wrote them. A type invariant like not_null, so a dbt test
    (structure), not a Great Expectations one: GX validates pandas frames, where NaN and NULL are
    the same value and a NaN cannot be told from a missing figure. One row per offending cell. -#}
{% test finite_numbers(model) %}
{%- set floats = [] -%}
{%- if execute -%}
    {%- for column in adapter.get_columns_in_relation(model) -%}
        {%- if column.dtype | upper in ('DOUBLE', 'FLOAT', 'REAL', 'FLOAT4', 'FLOAT8', 'DOUBLE PRECISION') -%}
            {%- do floats.append(column.name) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}
{%- if floats %}
{%- for name in floats %}
select '{{ name }}' as column_name, _file_id, _row, cast({{ adapter.quote(name) }} as {{ text_type() }}) as value
from {{ model }}
where {{ is_not_finite(adapter.quote(name)) }}
{% if not loop.last %}union all{% endif %}
{%- endfor %}
{%- else %}
select null as column_name, null as _file_id, null as _row, null as value where false
{%- endif %}
{% endtest %}
