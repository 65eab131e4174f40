"""Clients for the systems CAD talks to, split into read and write halves."""
