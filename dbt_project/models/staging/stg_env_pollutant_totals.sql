-- 主要污染物排放总量 — Total emissions of the main pollutants: one row per region × year, the newest delivery of each key.
with latest as (
    {{ latest_delivery('env_pollutant_totals', ['region_code', 'year']) }}
)

select
    *
from latest
