-- 主要污染物排放总量 — Total emissions of the main pollutants: one row per region × year, the newest delivered figure of each measure (macro latest_delivery).
{% set extract, key = 'env_pollutant_totals', ['region_code', 'year'] %}
-- and staging.env_pollutant_totals_as_known_on(date): the same figures as known on a date
{{ config(post_hook=as_known_on_hook(extract, key)) }}
with latest as (
    {{ latest_delivery(extract, key) }}
)

select
    -- the key
    region_code,
    year,
    -- the measures: each the newest figure delivered
    cod,
    nh3n,
    so2,
    nox,
    -- where the figures come from
    _file_id,
    _row,
    _delivered_at,
    _key,
    _value_files,
    _withdrawn_values
from latest
