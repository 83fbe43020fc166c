-- Energy saved by the key enterprises (万吨标准煤) per year: per region where they are, and for
-- the province (all enterprises).
with savings as (
    select region_code, year, energy_saved, _delivered_at
    from {{ ref('stg_stats_key_enterprises') }}
    where energy_saved is not null
)

select region_code, year, sum(energy_saved) as energy_saved, count(*) as enterprises,
    max(_delivered_at) as delivered_at
from savings group by all
union all
select '210000', year, sum(energy_saved), count(*), max(_delivered_at)
from savings group by all
