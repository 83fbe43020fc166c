-- 污染源自动监控点位 — Automatic-monitoring outlets: one row per outlet, the newest delivered figure of each measure (macro latest_delivery).
{% set extract, key = 'env_monitoring_outlets', ['outlet_id'] %}
-- and staging.env_monitoring_outlets_as_known_on(date): the same figures as known on a date
{{ config(post_hook=as_known_on_hook(extract, key)) }}
with latest as (
    {{ latest_delivery(extract, key) }}
)

select
    -- the key
    outlet_id,
    -- the measures: each the newest figure delivered
    enterprise_name,
    region_code,
    outlet_type,
    enabled_on,
    disabled_on,
    -- where the figures come from
    _file_id,
    _row,
    _delivered_at,
    _key,
    _value_files,
    _withdrawn_values
from latest
