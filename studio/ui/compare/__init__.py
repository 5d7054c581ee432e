"""Tools ▸ Compare Engines… (`window.py`): a candidate engine's takes or pictures beside the
current route's (`pairs.py`: one line or scene each), their figures, play A/B, blind picks
and the switch of the route. It imports the shell only.
"""
