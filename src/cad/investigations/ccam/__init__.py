"""ccam: Cluster Credentials Are Missing."""

from cad.investigations.ccam.investigation import Ccam

__all__ = ["Ccam"]
