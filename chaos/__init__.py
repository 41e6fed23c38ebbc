"""`make chaos`: a realistic workload under injected faults, then proof from the databases and the topics that
nothing acknowledged was lost, nothing took effect twice and every aggregate's events kept their order."""
