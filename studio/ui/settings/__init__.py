"""The project settings dialog (`dialog.py`): a tab per task with draft and final engine,
keys (keyring only), the budget cap and the studio-wide choices. It imports the shell
only.
"""
