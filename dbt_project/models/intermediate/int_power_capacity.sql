-- Non-fossil generating capacity (hydro, wind, solar, nuclear, biomass; 万千瓦), its share of
-- all capacity (%), and what was added in each year (the difference from the previous year).
with capacity as (
    select region_code, year, _delivered_at,
        hydro + wind + solar + nuclear + biomass as nonfossil,
        thermal + hydro + wind + solar + nuclear + biomass as total
    from {{ ref('stg_stats_power_capacity') }}
),

with_previous as (
    select *,
        case when lag(year) over (partition by region_code order by year) = year - 1
             then nonfossil - lag(nonfossil) over (partition by region_code order by year) end as added
    from capacity
)

select region_code, year, make_date(year, 12, 31) as period_end, nonfossil, total,
    100 * nonfossil / nullif(total, 0) as nonfossil_share, added, _delivered_at
from with_previous
