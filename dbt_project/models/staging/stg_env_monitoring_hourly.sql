-- 污染源自动监控小时数据 — Automatic-monitoring hourly data: one row per outlet × hour × pollutant, the newest delivered figure of each measure (macro latest_delivery).
{% set extract, key = 'env_monitoring_hourly', ['outlet_id', 'measured_at', 'factor'] %}
-- and staging.env_monitoring_hourly_as_known_on(date): the same figures as known on a date
{{ config(post_hook=as_known_on_hook(extract, key)) }}
with latest as (
    {{ latest_delivery(extract, key) }}
)

select
    -- the key
    outlet_id,
    measured_at,
    factor,
    -- the measures: each the newest figure delivered
    value,
    flag,
    -- where the figures come from
    _file_id,
    _row,
    _delivered_at,
    _key,
    _value_files,
    _withdrawn_values
from latest
