-- The bureau's published yearly energy-intensity cut against the one recomputed from energy
-- use and the GDP index (docs/METHODS.md: they must agree within 0.1 percentage point).
select s.region_code, s.period, s.published_energy_intensity_cut as published_cut,
    100 * e.cut_yoy as recomputed_cut,
    s.published_energy_intensity_cut - 100 * e.cut_yoy as difference_pp,
    t.tolerance as tolerance_pp,
    abs(s.published_energy_intensity_cut - 100 * e.cut_yoy) <= t.tolerance as within_tolerance
from {{ ref('stg_stats_city_indicators') }} as s
join {{ ref('int_energy_intensity') }} as e using (region_code, period)
join {{ ref('quality_tolerances') }} as t
    on t.check_name = 'published_vs_recomputed_cut'
where s.period_type = 'year' and s.published_energy_intensity_cut is not null
  and e.cut_yoy is not null
