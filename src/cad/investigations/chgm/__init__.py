"""chgm: Cluster Has Gone Missing."""

from cad.investigations.chgm.investigation import Chgm

__all__ = ["Chgm"]
