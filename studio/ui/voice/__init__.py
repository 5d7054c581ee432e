"""Voicing lines: every voice action as a job (`control.py`, `VoiceControl`), the player
(`player.py`), the self-check after each render (`checks.py`), pronunciation and voice
blends (`pronunciation.py`, `blends.py`) and the Voice menu's tools (`tools.py`). It
imports the shell only.
"""
