"""Everything that leaves the system on its own, run under aiojobs."""
