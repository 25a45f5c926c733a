"""The scheduler: rules engine, cases, proposals, confirmations and sweeps."""
