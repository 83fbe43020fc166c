-- Every current figure the intensity and pollutant cuts are computed from, with the delivery,
-- row and received file it came from and the deliveries it superseded (macro delivered_values):
-- the bottom of the lineage of a target (marts.target_lineage, `plantrack explain`).
-- One row per extract × region × period × measure. The extracts whose figures are listed value by
-- value are those of the intensities and pollutant totals; the others are summarised by file in
-- the lineage (a register or an hourly feed would be millions of rows).
{{ delivered_values('stats_city_indicators', 'period',
    ['gdp_current', 'gdp_index', 'industrial_va', 'industrial_va_index', 'energy_total',
     'industrial_energy', 'coal', 'oil', 'gas', 'electricity']) }}
union all by name
{{ delivered_values('env_pollutant_totals', 'year', ['cod', 'so2', 'nh3n', 'nox']) }}
union all by name
{{ delivered_values('transport_freight', 'year', ['energy_use', 'freight_turnover']) }}
