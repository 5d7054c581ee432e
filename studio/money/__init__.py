"""Money: what a paid call costs and who may spend it. Price tables, quotes and usage
(`prices.py`), the append-only ledger and the one shared budget per project folder with
`render_paid` (`ledger.py`), and the Cost panel's figures (`costs.py`). It imports only
the base and `studio.project`; the hosted engines price their calls with it, the jobs
hold the budget through it.
"""
