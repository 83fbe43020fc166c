"""The warehouse's own logic in plain Python — no Dagster import (a test says so).

``layout``   where every file of a warehouse lives, from one data folder
``lock``     one build of a warehouse at a time
``exits``    the exit codes of a run
``ingest``   one extract's new deliveries into the working file (sources.load reads them)
``planning`` what a run has to rebuild, and what the working file was built from
``checks``   running a Great Expectations suite against the working file; the blocking gate
``publish``  the atomic swap of the published warehouse, the findings of a blocked run, Parquet
``runs``     a run's summary, its exit code and its row in meta.runs
``status``   ``plantrack status``
``report``   the progress bulletin and the data dictionary

The Dagster wiring (``orchestration.assets``, ``definitions``, ``schedules``, ``resources``) and
the ``plantrack`` command sit on this package; it imports neither."""
