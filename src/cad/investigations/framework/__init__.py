"""The investigation framework: base class, resources, errors, registry and runner."""
