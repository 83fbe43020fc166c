-- Fuels against total energy use: coal, oil and gas converted to standard coal
-- (energy_conversion seed) are part of the total, so their share of it must lie in (0, 1].
-- A share above 1 means the parts exceed the whole.
with factors as (
    select
        max(tce_per_unit) filter (where fuel = 'coal') as coal,
        max(tce_per_unit) filter (where fuel = 'oil') as oil,
        max(tce_per_unit) filter (where fuel = 'gas') as gas
    from {{ ref('energy_conversion') }}
)

select s.region_code, s.period, s.energy_total,
    s.coal * f.coal + s.oil * f.oil + s.gas * f.gas as fossil_fuels_tce,
    (s.coal * f.coal + s.oil * f.oil + s.gas * f.gas) / nullif(s.energy_total, 0) as fossil_share
from {{ ref('stg_stats_city_indicators') }} as s
cross join factors as f
where s.period_type = 'year' and s.energy_total is not null
  and s.coal is not null and s.oil is not null and s.gas is not null
