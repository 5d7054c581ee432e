"""Timeline, mixing and export (later issues)."""
