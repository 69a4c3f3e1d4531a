"""TEMPORARY local placeholder until the h-grader branch lands (not committed)."""
