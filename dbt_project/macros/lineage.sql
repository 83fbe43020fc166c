{# Where each current figure of an extract came from, measure by measure (issue 17, "explain a
   figure"): for every key and measure of the staging model, the figure, the delivery it comes
   from (the staging model's _value_files, macro latest_delivery: the newest delivery that gave
   one) with its row in that file, and the earlier deliveries it superseded (their file, row and
   figure). Withdrawn deliveries count neither as the source nor as superseded, as in staging.

   Columns: extract, region_code, period (the key's period as text: '2015', '2015Q2'), measure,
   value (DOUBLE, the canonical unit of the contract), file_id, source_row,
   superseded (list of {file_id, source_row, value}, newest first). #}
{% macro delivered_values(extract, period_column, measures) %}
select '{{ extract }}' as extract, cur.region_code, cur.period, cur.measure, cur.value, cur.file_id,
    delivered.source_row,
    coalesce(list({'file_id': earlier.file_id, 'source_row': earlier.source_row, 'value': earlier.value}
                  order by earlier.file_id desc) filter (where earlier.file_id is not null), []) as superseded
from (
    select region_code, cast({{ period_column }} as varchar) as period, measure, cast(value as double) as value,
        _value_files[measure] as file_id
    from {{ ref('stg_' ~ extract) }}
    unpivot (value for measure in ({{ measures | join(', ') }}))
) as cur
join (
    select region_code, cast({{ period_column }} as varchar) as period, measure, cast(value as double) as value,
        _file_id as file_id, _row as source_row
    from {{ source('raw', extract) }}
    unpivot (value for measure in ({{ measures | join(', ') }}))
    where _file_id not in (select file_id from {{ source('meta', 'withdrawals') }})
) as delivered
    on delivered.region_code = cur.region_code and delivered.period = cur.period
    and delivered.measure = cur.measure and delivered.file_id = cur.file_id
left join (
    select region_code, cast({{ period_column }} as varchar) as period, measure, cast(value as double) as value,
        _file_id as file_id, _row as source_row
    from {{ source('raw', extract) }}
    unpivot (value for measure in ({{ measures | join(', ') }}))
    where _file_id not in (select file_id from {{ source('meta', 'withdrawals') }})
) as earlier
    on earlier.region_code = cur.region_code and earlier.period = cur.period
    and earlier.measure = cur.measure and earlier.file_id < cur.file_id
group by all
{% endmacro %}
