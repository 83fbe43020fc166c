-- 目标分解 — Target allocations (the plan's annexes): one row per target × region, the newest delivered figure of each measure (macro latest_delivery).
{% set extract, key = 'plan_allocations', ['target_id', 'region_code'] %}
-- and staging.plan_allocations_as_known_on(date): the same figures as known on a date
{{ config(post_hook=as_known_on_hook(extract, key)) }}
with latest as (
    {{ latest_delivery(extract, key) }}
)

select
    -- the key
    target_id,
    region_code,
    -- the measures: each the newest figure delivered
    target_value,
    unit,
    note,
    -- where the figures come from
    _file_id,
    _row,
    _delivered_at,
    _key,
    _value_files,
    _withdrawn_values
from latest
