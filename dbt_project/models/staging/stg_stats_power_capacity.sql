-- 发电装机容量 — Installed generating capacity: one row per region × year, the newest delivery of each key.
with latest as (
    {{ latest_delivery('stats_power_capacity', ['region_code', 'year']) }}
)

select
    *
from latest
