-- 报送数据期 The earliest data period of each delivery (macro file_data_periods): one row per loaded
-- file of an extract whose key has a period column (from the contracts, macro extract_lineage),
-- so an explanation for a past as-of date lists only the deliveries with data on or before it
-- (marts.target_lineage). Registers without a period (boilers, outlets) have no row.
{{ file_data_periods() }}
