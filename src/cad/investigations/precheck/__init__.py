"""precheck: stops the chain for clusters CAD must not or cannot investigate."""

from cad.investigations.precheck.investigation import Precheck

__all__ = ["Precheck"]
