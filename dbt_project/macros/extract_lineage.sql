{# # Generated from sources/contracts/*.yaml by `python -m sources.catalogue`.
   Edit the contracts, then run it again; tests/unit/test_catalogue.py fails while this file differs. #}
{% macro extract_lineage() %}
{{ return({
 "env_boilers": {
  "key": [
   "boiler_id"
  ],
  "region": none,
  "period": none,
  "bulk": false,
  "measures": [
   "rated_capacity"
  ],
  "units": {
   "rated_capacity": "蒸吨/小时"
  }
 },
 "env_disclosure": {
  "key": [
   "region_code",
   "period"
  ],
  "region": "region_code",
  "period": "period",
  "bulk": false,
  "measures": [
   "self_due",
   "self_published",
   "supervisory_due",
   "supervisory_published"
  ],
  "units": {}
 },
 "env_monitoring_hourly": {
  "key": [
   "outlet_id",
   "measured_at",
   "factor"
  ],
  "region": none,
  "period": "measured_at",
  "bulk": true,
  "measures": [
   "value"
  ],
  "units": {}
 },
 "env_monitoring_outlets": {
  "key": [
   "outlet_id"
  ],
  "region": none,
  "period": none,
  "bulk": false,
  "measures": [],
  "units": {}
 },
 "env_pollutant_totals": {
  "key": [
   "region_code",
   "year"
  ],
  "region": "region_code",
  "period": "year",
  "bulk": false,
  "measures": [
   "cod",
   "nh3n",
   "so2",
   "nox"
  ],
  "units": {
   "cod": "吨",
   "nh3n": "吨",
   "so2": "吨",
   "nox": "吨"
  }
 },
 "env_reduction_projects": {
  "key": [
   "project_id"
  ],
  "region": none,
  "period": none,
  "bulk": false,
  "measures": [
   "scale",
   "so2_capacity",
   "nox_capacity",
   "cod_capacity",
   "nh3n_capacity"
  ],
  "units": {
   "so2_capacity": "吨",
   "nox_capacity": "吨",
   "cod_capacity": "吨",
   "nh3n_capacity": "吨"
  }
 },
 "env_sewer_coverage": {
  "key": [
   "region_code",
   "year"
  ],
  "region": "region_code",
  "period": "year",
  "bulk": false,
  "measures": [
   "sewer_coverage"
  ],
  "units": {
   "sewer_coverage": "%"
  }
 },
 "plan_allocations": {
  "key": [
   "target_id",
   "region_code"
  ],
  "region": "region_code",
  "period": none,
  "bulk": false,
  "measures": [
   "target_value"
  ],
  "units": {}
 },
 "plan_progress_reports": {
  "key": [
   "target_id",
   "region_code",
   "period"
  ],
  "region": "region_code",
  "period": "period",
  "bulk": false,
  "measures": [
   "value"
  ],
  "units": {}
 },
 "stats_city_indicators": {
  "key": [
   "region_code",
   "period"
  ],
  "region": "region_code",
  "period": "period",
  "bulk": false,
  "measures": [
   "gdp_current",
   "gdp_index",
   "services_va",
   "strategic_emerging_va",
   "industrial_va",
   "industrial_va_index",
   "energy_total",
   "industrial_energy",
   "coal",
   "oil",
   "gas",
   "electricity",
   "published_energy_intensity_cut"
  ],
  "units": {
   "gdp_current": "亿元",
   "services_va": "亿元",
   "strategic_emerging_va": "亿元",
   "industrial_va": "亿元",
   "energy_total": "万吨标准煤",
   "industrial_energy": "万吨标准煤",
   "coal": "万吨",
   "oil": "万吨",
   "gas": "亿立方米",
   "electricity": "亿千瓦时",
   "published_energy_intensity_cut": "%"
  }
 },
 "stats_key_enterprises": {
  "key": [
   "enterprise_code",
   "year"
  ],
  "region": none,
  "period": "year",
  "bulk": false,
  "measures": [
   "energy_use",
   "energy_saved"
  ],
  "units": {
   "energy_use": "万吨标准煤",
   "energy_saved": "万吨标准煤"
  }
 },
 "stats_power_capacity": {
  "key": [
   "region_code",
   "year"
  ],
  "region": "region_code",
  "period": "year",
  "bulk": false,
  "measures": [
   "thermal",
   "hydro",
   "wind",
   "solar",
   "nuclear",
   "biomass"
  ],
  "units": {
   "thermal": "万千瓦",
   "hydro": "万千瓦",
   "wind": "万千瓦",
   "solar": "万千瓦",
   "nuclear": "万千瓦",
   "biomass": "万千瓦"
  }
 },
 "stats_public_institutions": {
  "key": [
   "region_code",
   "year"
  ],
  "region": "region_code",
  "period": "year",
  "bulk": false,
  "measures": [
   "floor_area",
   "occupants",
   "energy_use"
  ],
  "units": {
   "floor_area": "万平方米",
   "occupants": "万人",
   "energy_use": "万吨标准煤"
  }
 },
 "transport_freight": {
  "key": [
   "region_code",
   "year"
  ],
  "region": "region_code",
  "period": "year",
  "bulk": false,
  "measures": [
   "freight_turnover",
   "energy_use"
  ],
  "units": {
   "freight_turnover": "亿吨公里",
   "energy_use": "万吨标准煤"
  }
 },
 "transport_public_fleet": {
  "key": [
   "region_code",
   "year"
  ],
  "region": "region_code",
  "period": "year",
  "bulk": false,
  "measures": [
   "vehicles_renewed",
   "nev_renewed"
  ],
  "units": {
   "vehicles_renewed": "辆",
   "nev_renewed": "辆"
  }
 },
 "transport_vehicle_retirements": {
  "key": [
   "region_code",
   "period"
  ],
  "region": "region_code",
  "period": "period",
  "bulk": false,
  "measures": [
   "yellow_label_retired",
   "old_retired",
   "pre2005_commercial_retired"
  ],
  "units": {
   "yellow_label_retired": "辆",
   "old_retired": "辆",
   "pre2005_commercial_retired": "辆"
  }
 },
 "transport_yellow_label_stock": {
  "key": [
   "region_code"
  ],
  "region": "region_code",
  "period": none,
  "bulk": false,
  "measures": [
   "stock"
  ],
  "units": {
   "stock": "辆"
  }
 }
}) }}
{% endmacro %}
