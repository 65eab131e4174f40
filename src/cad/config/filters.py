"""``when`` filters of the investigation config: ``and``, ``or``, ``in``, ``notin``,
``matches``, ``notmatches``, ``sample``, over the original's fields."""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["COSTLY_FIELDS", "FIELDS", "FilterContext", "FilterNode", "sampling_rng"]

FIELDS = (
    "ClusterID",
    "ClusterName",
    "OrganizationID",
    "OwnerID",
    "OwnerEmail",
    "CloudProvider",
    "HCP",
    "ClusterState",
    "AlertName",
    "AlertTitle",
    "ServiceName",
)
COSTLY_FIELDS = frozenset({"OrganizationID", "OwnerID", "OwnerEmail"})


def sampling_rng(*parts: str) -> random.Random:
    """The draws of ``sample`` filters for one decision, seeded from ``parts`` (the incident
    and the entry): the same incident always draws the same numbers, so a re-delivery decides
    as the first delivery did and a scenario is reproducible, while incidents spread evenly."""
    seed = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return random.Random(int.from_bytes(seed[:8], "big"))  # noqa: S311  # sampling, not security


class FilterContext:
    """Field values for filters. Costly fields are looked up on first use only."""

    def __init__(
        self, values: dict[str, str], lookups: dict[str, Callable[[], str]] | None = None
    ) -> None:
        self._values = dict(values)
        self._lookups = dict(lookups or {})

    def get(self, field: str) -> str:
        """The field's value ("" when unknown); a lookup failure raises."""
        if field not in self._values and field in self._lookups:
            self._values[field] = self._lookups[field]()
        return self._values.get(field, "")

    def looked_up(self) -> set[str]:
        """Costly fields actually fetched (tests check nothing more was)."""
        return {f for f in self._lookups if f in self._values}


class FilterNode(BaseModel):
    """A branch (``and``/``or``) or a leaf (``field``, ``operator``, ``values``)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    and_: list[FilterNode] | None = Field(default=None, alias="and")
    or_: list[FilterNode] | None = Field(default=None, alias="or")
    field: str | None = None
    operator: Literal["in", "notin", "matches", "notmatches", "sample"] | None = None
    values: list[str] | None = None

    @model_validator(mode="after")
    def _check(self) -> FilterNode:
        branches = [b for b in (self.and_, self.or_) if b]
        if self.and_ is not None and self.or_ is not None and self.and_ and self.or_:
            raise ValueError("a filter cannot have both 'and' and 'or'")
        if branches and self.operator:
            raise ValueError("a filter is either a branch ('and'/'or') or a leaf ('operator')")
        if not branches and not self.operator:
            raise ValueError("a filter needs a non-empty 'and', a non-empty 'or', or an 'operator'")
        if branches:
            if self.field is not None or self.values is not None:
                raise ValueError("a branch takes no 'field' or 'values'")
            return self
        values = self.values or []
        if self.operator == "sample":
            if self.field is not None:
                raise ValueError("'sample' takes no field")
            if len(values) != 1:
                raise ValueError("'sample' takes exactly one value, the rate")
            try:
                rate = float(values[0])
            except ValueError:
                raise ValueError(f"sample rate {values[0]!r} is not a number") from None
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"sample rate {rate} is not between 0 and 1")
            return self
        if self.field not in FIELDS:
            raise ValueError(f"unknown field {self.field!r}; valid fields: {', '.join(FIELDS)}")
        if not values:
            raise ValueError(f"'{self.operator}' needs at least one value")
        if self.operator in ("matches", "notmatches"):
            for value in values:
                try:
                    re.compile(value)
                except re.error as exc:
                    raise ValueError(f"invalid regular expression {value!r}: {exc}") from None
        return self

    def keys(self) -> set[str]:
        """Every field the filter reads."""
        if self.and_ or self.or_:
            return set().union(*(child.keys() for child in (self.and_ or self.or_ or [])))
        return {self.field} if self.field else set()

    def evaluate(self, ctx: FilterContext, rng: random.Random | None = None) -> tuple[bool, str]:
        """``(passes, reason)``, as the original: ``and`` stops at the first rejection,
        ``or`` at the first pass; ``matches`` is an unanchored search."""
        if self.and_:
            reason = ""
            for child in self.and_:
                ok, reason = child.evaluate(ctx, rng)
                if not ok:
                    return False, reason
            return True, reason
        if self.or_:
            reason = ""
            for child in self.or_:
                ok, reason = child.evaluate(ctx, rng)
                if ok:
                    return True, reason
            return False, reason
        return self._leaf(ctx, rng or random.Random())  # noqa: S311  # sampling, not security

    def _leaf(self, ctx: FilterContext, rng: random.Random) -> tuple[bool, str]:
        values = self.values or []
        if self.operator == "sample":
            rate = float(values[0])
            drawn = rng.random()
            return drawn < rate, f"sample {rate}: drew {drawn:.3f}"
        actual = ctx.get(self.field or "")
        if self.operator in ("in", "notin"):
            inside = actual in values
            ok = inside if self.operator == "in" else not inside
            return ok, f"{self.field}={actual!r} {'in' if inside else 'not in'} {values}"
        hit = next((v for v in values if re.search(v, actual)), None)
        ok = hit is not None if self.operator == "matches" else hit is None
        return (
            ok,
            f"{self.field}={actual!r} {'matches' if hit else 'matches none of'} {hit or values}",
        )


FilterNode.model_rebuild()
