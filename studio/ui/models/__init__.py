"""The Models window (`window.py`): what is installed, loaded and downloadable, and the
torch engines add-on. It imports the shell only.
"""
