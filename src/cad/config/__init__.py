"""Configuration: environment settings and (later) the investigation config file."""
