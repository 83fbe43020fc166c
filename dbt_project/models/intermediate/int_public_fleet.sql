-- Share of new-energy vehicles among the vehicles public institutions bought as renewals (%).
select region_code, 'public_nev_share' as indicator, cast(year as {{ text_type() }}) as period,
    'year' as period_type, make_date(year, 12, 31) as period_end,
    cast(100 as double) * nev_renewed / nullif(vehicles_renewed, 0) as value, _delivered_at as delivered_at
from {{ ref('stg_transport_public_fleet') }}
where nev_renewed is not null and vehicles_renewed is not null
