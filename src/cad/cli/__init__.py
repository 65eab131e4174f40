"""``cadctl``: the command line."""
