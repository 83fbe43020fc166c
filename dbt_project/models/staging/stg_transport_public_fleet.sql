-- 公共机构车辆更新 — Public-institution vehicle renewals: one row per region × year, the newest delivery of each key.
with latest as (
    {{ latest_delivery('transport_public_fleet', ['region_code', 'year']) }}
)

select
    *
from latest
