"""Scenarios: a world, an incident, and what must happen. ``cadctl demo`` runs them."""
