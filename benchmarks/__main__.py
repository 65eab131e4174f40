"""Run every benchmark: ``python -m benchmarks`` (what ``make bench`` does)."""

from __future__ import annotations

from benchmarks import burst, cpu, executor, receiver, sandbox, throughput


def main() -> None:
    executor.main()
    sandbox.main()
    receiver.main()
    throughput.main()
    burst.main()
    cpu.main([])


if __name__ == "__main__":
    main()
