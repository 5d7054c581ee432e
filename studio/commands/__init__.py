"""The headless commands behind `studio render --final`, `studio cost`, `studio keys` and `studio models pull`."""
