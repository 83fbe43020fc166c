-- 目标分解 — Target allocations (the plan's annexes): one row per target × region, the newest delivery of each key.
with latest as (
    {{ latest_delivery('plan_allocations', ['target_id', 'region_code']) }}
)

select
    *
from latest
