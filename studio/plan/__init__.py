"""Planning: a language model plans the work the local models then do.

`schema.py` (the versioned plan), `prompt.py` (what the model reads), `parse.py`
(reading its reply), `run.py` (quote, budget, call, ask again once), `diff.py`
(the plan against the project: changes item by item, apply as one undo step),
`store.py` (plans kept in `.stitch/plans/`). No Qt here; the window, the CLI and the
MCP server all go through these functions.
"""
