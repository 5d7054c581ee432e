"""Money in the window: the Cost panel (`cost_panel.py`) and the confirm dialog before any
paid render (`premium.py`). It imports the shell only.
"""
