-- 营运货车能耗 — Energy use of commercial freight trucks: one row per region × year, the newest delivery of each key.
with latest as (
    {{ latest_delivery('transport_freight', ['region_code', 'year']) }}
)

select
    *
from latest
