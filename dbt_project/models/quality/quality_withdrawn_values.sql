-- "Withdrawn?" figures: a delivery carried a column but left a key's cell missing (—, blank …)
-- while an earlier delivery gave a figure. The earlier figure stands (a missing marker erases
-- nothing: staging takes the newest delivered figure of each measure), but the office may have
-- meant to withdraw it, so a statistician should look: the check withdrawn_values warns.
-- One row per extract × key × measure. The hourly monitoring feed is left out: there a blank
-- value with a flag is how the feed says "no measurement", judged by the transmission rate.
{% set extracts = ['env_boilers', 'env_disclosure', 'env_monitoring_outlets', 'env_pollutant_totals',
                   'env_reduction_projects', 'env_sewer_coverage', 'plan_allocations',
                   'plan_progress_reports', 'stats_city_indicators', 'stats_key_enterprises',
                   'stats_power_capacity', 'stats_public_institutions', 'transport_freight',
                   'transport_public_fleet', 'transport_vehicle_retirements',
                   'transport_yellow_label_stock'] %}
with flagged as (
{%- for x in extracts %}
    select '{{ x }}' as extract, _key as key, w.measure, w.missing_in_file, w.missing_in_row, w.figure_from_file
    from (select _key, {{ unnest_list('_withdrawn_values') }} as w from {{ ref('stg_' ~ x) }}) as withdrawn
    {{ 'union all' if not loop.last }}
{%- endfor %}
)

select
    fl.extract,
    fl.key,
    fl.measure,
    fl.missing_in_file,
    fl.missing_in_row,
    missing.path as missing_in_path,
    missing.received_at as missing_received_at,
    fl.figure_from_file,
    figure.path as figure_from_path,
    figure.received_at as figure_received_at
from flagged as fl
join {{ source('meta', 'files') }} as missing on missing.file_id = fl.missing_in_file
join {{ source('meta', 'files') }} as figure on figure.file_id = fl.figure_from_file
