"""Investigations: the framework and one package per investigation."""
