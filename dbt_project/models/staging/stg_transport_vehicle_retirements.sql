-- 黄标车及老旧车淘汰 — Retirement of yellow-label and old vehicles: one row per city × month, the newest delivered figure of each measure (macro latest_delivery).
{% set extract, key = 'transport_vehicle_retirements', ['region_code', 'period'] %}
-- and staging.transport_vehicle_retirements_as_known_on(date): the same figures as known on a date
{{ config(post_hook=as_known_on_hook(extract, key)) }}
with latest as (
    {{ latest_delivery(extract, key) }}
)

select
    -- the key
    region_code,
    period,
    -- the measures: each the newest figure delivered
    yellow_label_retired,
    old_retired,
    pre2005_commercial_retired,
    -- where the figures come from
    _file_id,
    _row,
    _delivered_at,
    _key,
    _value_files,
    _withdrawn_values,
    -- what the period is: its type, year and last day (macros/period.sql)
    {{ period_type('period') }} as period_type,
    cast(left(period, 4) as integer) as year,
    {{ period_end('period') }} as period_end
from latest
