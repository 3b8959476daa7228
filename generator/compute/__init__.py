"""Stage 3: grades, events, deadlines, completeness, penalties and recurrence, as facts."""
