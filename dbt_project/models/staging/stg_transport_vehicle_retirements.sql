-- 黄标车及老旧车淘汰 — Retirement of yellow-label and old vehicles: one row per city × month, the newest delivery of each key.
with latest as (
    {{ latest_delivery('transport_vehicle_retirements', ['region_code', 'period']) }}
)

select
    *,
    {{ period_type('period') }} as period_type,
    cast(left(period, 4) as integer) as year,
    {{ period_end('period') }} as period_end
from latest
