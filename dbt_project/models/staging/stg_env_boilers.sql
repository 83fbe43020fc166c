-- 燃煤锅炉台账 — Coal-fired boiler register: one row per boiler, the newest delivered figure of each measure (macro latest_delivery).
{% set extract, key = 'env_boilers', ['boiler_id'] %}
-- and staging.env_boilers_as_known_on(date): the same figures as known on a date
{{ config(post_hook=as_known_on_hook(extract, key)) }}
with latest as (
    {{ latest_delivery(extract, key) }}
)

select
    -- the key
    boiler_id,
    -- the measures: each the newest figure delivered
    region_code,
    operator_name,
    rated_capacity,
    status,
    retired_on,
    has_desulfurization,
    blue_sky_task,
    -- where the figures come from
    _file_id,
    _row,
    _delivered_at,
    _key,
    _value_files,
    _withdrawn_values
from latest
