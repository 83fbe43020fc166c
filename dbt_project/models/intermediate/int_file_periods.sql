-- 报送数据期 The earliest data period of each delivery (macro file_data_periods): one row per loaded
-- file of an extract whose key has a period column (from the contracts, macro extract_lineage),
-- so an explanation for a past as-of date lists only the deliveries with data on or before it
-- (marts.target_lineage). Registers without a period (boilers, outlets) have no row.
-- Incremental: a delivery's rows never change once loaded (a withdrawal keeps them, a revision is
-- a new delivery), so a night reads the periods of the deliveries it has not seen — one new day
-- of the hourly feed, not the ~25 M rows of 600 outlets' two years (16 s a night, issue 18).
-- Append only: a delivery already here is never read again.
{{ config(materialized='incremental', incremental_strategy='append') }}
{{ file_data_periods() }}
