"""The registry: an explicit list of investigations, looked up by name or alias."""

from __future__ import annotations

from cad.errors import CADError
from cad.investigations.framework.base import Investigation

__all__ = ["Registry", "UnknownInvestigationError"]


class UnknownInvestigationError(CADError):
    """No investigation has that name or alias."""


class Registry:
    """Investigation classes by name; aliases resolve to names."""

    def __init__(self, investigations: list[type[Investigation]]) -> None:
        self._by_name: dict[str, type[Investigation]] = {}
        self._aliases: dict[str, str] = {}
        for cls in investigations:
            if cls.name in self._by_name:
                raise ValueError(f"investigation {cls.name!r} is registered twice")
            self._by_name[cls.name] = cls
            for alias in cls.aliases:
                if alias in self._aliases or alias in self._by_name:
                    raise ValueError(f"alias {alias!r} is used twice")
                self._aliases[alias] = cls.name

    def names(self) -> list[str]:
        """Registered names, in registration order."""
        return list(self._by_name)

    def classes(self) -> list[type[Investigation]]:
        """Registered classes, in registration order."""
        return list(self._by_name.values())

    def resolve(self, name_or_alias: str) -> type[Investigation]:
        """The class for a name or alias; the error lists every valid name and alias."""
        name = self._aliases.get(name_or_alias, name_or_alias)
        if name in self._by_name:
            return self._by_name[name]
        valid = ", ".join(
            f"{cls.name} ({', '.join(cls.aliases)})" if cls.aliases else cls.name
            for cls in self._by_name.values()
        )
        raise UnknownInvestigationError(
            f"unknown investigation {name_or_alias!r}; valid investigations: {valid}"
        )

    def create(self, name_or_alias: str) -> Investigation:
        """A fresh instance (investigations are made per run)."""
        return self.resolve(name_or_alias)()
