-- 公共机构能源消费 — Energy use of public institutions: one row per region × year, the newest delivery of each key.
with latest as (
    {{ latest_delivery('stats_public_institutions', ['region_code', 'year']) }}
)

select
    *
from latest
