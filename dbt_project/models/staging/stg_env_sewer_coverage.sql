-- 建成区污水管网覆盖率 — Sewer network coverage of built-up areas: one row per region (city or county) × year, the newest delivered figure of each measure (macro latest_delivery).
{% set extract, key = 'env_sewer_coverage', ['region_code', 'year'] %}
-- and staging.env_sewer_coverage_as_known_on(date): the same figures as known on a date
{{ config(post_hook=as_known_on_hook(extract, key)) }}
with latest as (
    {{ latest_delivery(extract, key) }}
)

select
    -- the key
    region_code,
    year,
    -- the measures: each the newest figure delivered
    sewer_coverage,
    -- where the figures come from
    _file_id,
    _row,
    _delivered_at,
    _key,
    _value_files,
    _withdrawn_values
from latest
