"""Hosted engines, prices, keys, the cost ledger and the budget, against fake servers on 127.0.0.1."""
