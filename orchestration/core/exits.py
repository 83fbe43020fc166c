"""Exit codes of ``plantrack run``, for schedulers (the README's table says the same):

  0  every file loaded and every blocking check passed
  1  some files were rejected (everything else was loaded)
  2  a blocking data-quality check failed
  3  the run itself failed (a step crashed, the disk is full); what could be loaded was loaded
  4  the run did not start: another build held the warehouse longer than the wait (retry later)"""

EXIT_OK, EXIT_REJECTED, EXIT_CHECKS, EXIT_FAILED, EXIT_BUSY = 0, 1, 2, 3, 4
