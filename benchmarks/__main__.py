"""Run every benchmark: ``python -m benchmarks`` (what ``make bench`` does)."""

from __future__ import annotations

from benchmarks import executor


def main() -> None:
    executor.main()


if __name__ == "__main__":
    main()
