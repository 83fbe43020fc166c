-- 万家企业节能量 — Energy savings of the ten-thousand key enterprises: one row per enterprise × year, the newest delivered figure of each measure (macro latest_delivery).
{% set extract, key = 'stats_key_enterprises', ['enterprise_code', 'year'] %}
-- and staging.stats_key_enterprises_as_known_on(date): the same figures as known on a date
{{ config(post_hook=as_known_on_hook(extract, key)) }}
with latest as (
    {{ latest_delivery(extract, key) }}
)

select
    -- the key
    enterprise_code,
    year,
    -- the measures: each the newest figure delivered
    enterprise_name,
    region_code,
    energy_use,
    energy_saved,
    -- where the figures come from
    _file_id,
    _row,
    _delivered_at,
    _key,
    _value_files,
    _withdrawn_values
from latest
