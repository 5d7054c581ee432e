"""Tools ▸ Plan… (`dialog.py`): a planning model's plan for the script, made as a job with
progress and cancel, shown as a diff with a checkbox per change and applied as one undo
step. It imports the shell only; the plan itself is `studio.plan`.
"""
