-- 2005年前注册营运黄标车存量 — Stock of commercial yellow-label vehicles registered before 2005: one row per city, the newest delivered figure of each measure (macro latest_delivery).
{% set extract, key = 'transport_yellow_label_stock', ['region_code'] %}
-- and staging.transport_yellow_label_stock_as_known_on(date): the same figures as known on a date
{{ config(post_hook=as_known_on_hook(extract, key)) }}
with latest as (
    {{ latest_delivery(extract, key) }}
)

select
    -- the key
    region_code,
    -- the measures: each the newest figure delivered
    stock_date,
    stock,
    -- where the figures come from
    _file_id,
    _row,
    _delivered_at,
    _key,
    _value_files,
    _withdrawn_values
from latest
