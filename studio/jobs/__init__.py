"""Jobs: background work with progress and cancel, and the render pipeline."""
