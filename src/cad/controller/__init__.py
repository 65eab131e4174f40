"""The controller: one incident or one manual run, end to end."""
