{# Where each current figure of an extract came from, measure by measure (issue 17, "explain a
   figure"): for every key and measure of the staging model, the figure, the delivery it comes
   from (the staging model's _value_files, macro latest_delivery: the newest delivery that gave
   one) with its row in that file, and the earlier deliveries it superseded (their file, row and
   figure). Withdrawn deliveries count neither as the source nor as superseded, as in staging.

   Columns: extract, target_id (the key's target, for an extract keyed by target too — a progress
   report, plan_progress_reports — else NULL; `target_column` names it), region_code, period (the key's period as text: '2015', '2015Q2'), measure,
   value (DOUBLE, the canonical unit of the contract), unit (that unit, from the contract's
   `units` map: macro extract_lineage), file_id, source_row,
   superseded (list of {file_id, source_row, value}, newest first). #}
{% macro delivered_values(extract, period_column, measures, units={}, target_column=none) %}
{%- set target = target_column if target_column else 'cast(null as ' ~ text_type() ~ ')' %}
select '{{ extract }}' as extract, cur.target_id, cur.region_code, cur.period, cur.measure, cur.value,
    {% if units %}case cur.measure {% for m, u in units.items() %}when '{{ m }}' then '{{ u }}' {% endfor %}end{% else %}cast(null as {{ text_type() }}){% endif %} as unit,
    cur.file_id,
    delivered.source_row,
    {{ ordered_list(struct_of([('file_id', 'earlier.file_id'), ('source_row', 'earlier.source_row'), ('value', 'earlier.value')]),
                    'earlier.file_id desc', 'earlier.file_id is not null', array_of([])) }} as superseded
from (
    select {{ target }} as target_id, region_code, cast({{ period_column }} as {{ text_type() }}) as period, measure, cast(value as double) as value,
        _value_files[measure] as file_id
    from {{ ref('stg_' ~ extract) }}
    unpivot (value for measure in ({{ measures | join(', ') }}))
) as cur
join (
    select {{ target }} as target_id, region_code, cast({{ period_column }} as {{ text_type() }}) as period, measure, cast(value as double) as value,
        _file_id as file_id, _row as source_row
    from {{ source('raw', extract) }}
    unpivot (value for measure in ({{ measures | join(', ') }}))
    where _file_id not in (select file_id from {{ source('meta', 'withdrawals') }})
) as delivered
    on delivered.target_id is not distinct from cur.target_id and delivered.region_code = cur.region_code and delivered.period = cur.period
    and delivered.measure = cur.measure and delivered.file_id = cur.file_id
left join (
    select {{ target }} as target_id, region_code, cast({{ period_column }} as {{ text_type() }}) as period, measure, cast(value as double) as value,
        _file_id as file_id, _row as source_row
    from {{ source('raw', extract) }}
    unpivot (value for measure in ({{ measures | join(', ') }}))
    where _file_id not in (select file_id from {{ source('meta', 'withdrawals') }})
) as earlier
    on earlier.target_id is not distinct from cur.target_id and earlier.region_code = cur.region_code and earlier.period = cur.period
    and earlier.measure = cur.measure and earlier.file_id < cur.file_id
group by all
{% endmacro %}

{# The last day of the period a delivered cell names, from its text as delivered (a quarantined
   row's cells, which the loader never made canonical, so macro period_end cannot read them; and a
   raw time such as measured_at): a year ('2015', '2015年'),
   a quarter ('2015Q2'), a month ('2015-03', '2015年3月') or a date or time ('2015-12-01 00:00');
   NULL for text that names no period (a code, a count). DATE. #}
{% macro delivered_period_end(text) -%}
case
    when {{ full_match(text, "'(19|20)[0-9]{2}年?'") }} then make_date(cast(left({{ text }}, 4) as integer), 12, 31)
    when {{ full_match(text, "'(19|20)[0-9]{2}Q[1-4]'") }}
        then last_day(make_date(cast(left({{ text }}, 4) as integer), 3 * cast(right({{ text }}, 1) as integer), 1))
    when {{ full_match(text, "'(19|20)[0-9]{2}-(0[1-9]|1[0-2])'") }}
        then last_day(make_date(cast(left({{ text }}, 4) as integer), cast(right({{ text }}, 2) as integer), 1))
    when {{ full_match(text, "'(19|20)[0-9]{2}年([1-9]|0[1-9]|1[0-2])月'") }}
        then last_day(make_date(cast(left({{ text }}, 4) as integer), cast(regexp_extract({{ text }}, '年([0-9]+)月', 1) as integer), 1))
    else {{ text_to_date('left(' ~ text ~ ', 10)') }}
end
{%- endmacro %}

{# The earliest data period of each delivery: file_id, first_period_end (DATE, the end of the
   earliest period any of its rows names), for every extract whose key has a period column
   (macro extract_lineage, from the contracts). In an incremental run of the model, only the
   deliveries the model does not hold yet. #}
{% macro file_data_periods() %}
{% for extract, m in extract_lineage().items() if m.period %}
{% if not loop.first %}union all{% endif %}
select _file_id as file_id, min({{ delivered_period_end('cast(' ~ m.period ~ ' as ' ~ text_type() ~ ')') }}) as first_period_end
from {{ source('raw', extract) }}
{% if is_incremental() %}where _file_id not in (select file_id from {{ this }}){% endif %}
group by _file_id
{% endfor %}
{% endmacro %}
