-- 燃煤锅炉台账 — Coal-fired boiler register: one row per boiler, the newest delivery of each key.
with latest as (
    {{ latest_delivery('env_boilers', ['boiler_id']) }}
)

select
    *
from latest
