-- 公共机构车辆更新 — Public-institution vehicle renewals: one row per region × year, the newest delivered figure of each measure (macro latest_delivery).
{% set extract, key = 'transport_public_fleet', ['region_code', 'year'] %}
-- and staging.transport_public_fleet_as_known_on(date): the same figures as known on a date
{{ config(post_hook=as_known_on_hook(extract, key)) }}
with latest as (
    {{ latest_delivery(extract, key) }}
)

select
    -- the key
    region_code,
    year,
    -- the measures: each the newest figure delivered
    vehicles_renewed,
    nev_renewed,
    -- where the figures come from
    _file_id,
    _row,
    _delivered_at,
    _key,
    _value_files,
    _withdrawn_values
from latest
