"""Joint procurement of training materials: need → tender → bids → evaluation (evaluators declare their interests
first) → award → contract (the value reserved in the ledger) → deliveries → payment (each member's part by the
contribution scale), each stage published as an Open Contracting Data Standard release."""
