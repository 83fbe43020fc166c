-- 万家企业节能量 — Energy savings of the ten-thousand key enterprises: one row per enterprise × year, the newest delivery of each key.
with latest as (
    {{ latest_delivery('stats_key_enterprises', ['enterprise_code', 'year']) }}
)

select
    *
from latest
