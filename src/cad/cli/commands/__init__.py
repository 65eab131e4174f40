"""``cadctl``'s commands, one module per group."""
