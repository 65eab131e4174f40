"""The contract of an investigation: a name, a description, a stage, and ``run``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from cad.actions import Action
from cad.domain import Stage

if TYPE_CHECKING:
    from cad.investigations.framework.resources import Resources

__all__ = ["Investigation", "Result"]


@dataclass(frozen=True)
class Result:
    """What an investigation decided: actions for the executor, and optionally why the chain
    must stop after them."""

    actions: list[Action] = field(default_factory=list)
    stop: str | None = None


class Investigation(ABC):
    """Base class of every investigation. Instances are made per run, so they may hold state.

    ``name`` equals the package name and the original's name; ``aliases`` are the original's
    short names; ``default_stage`` is ``actioning`` or ``informing`` (the config can override
    it per alert).
    """

    name: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]] = ()
    description: ClassVar[str]
    default_stage: ClassVar[Stage] = Stage.ACTIONING

    @abstractmethod
    def run(self, resources: Resources) -> Result:
        """Look at the cluster through ``resources`` (read-only) and decide.

        Raise ``InfrastructureError`` when you could not look (the runner retries), return
        note-and-escalate actions for findings you cannot act on.
        """
