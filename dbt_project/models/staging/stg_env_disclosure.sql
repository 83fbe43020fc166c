-- 监测信息公开 — Disclosure of monitoring information: one row per region × quarter, the newest delivery of each key.
with latest as (
    {{ latest_delivery('env_disclosure', ['region_code', 'period']) }}
)

select
    *,
    {{ period_type('period') }} as period_type,
    cast(left(period, 4) as integer) as year,
    {{ period_end('period') }} as period_end
from latest
