"""The reliability suites (issue 16): kill -9, hostile paths, several processes, secrets."""
