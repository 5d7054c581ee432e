"""Tools ▸ Compare Engines… (`window.py`): a candidate engine's takes beside the current
route's, their figures, play A/B, blind picks and the switch of the route. It imports
the shell and `studio.ui.voice` (its player).
"""
