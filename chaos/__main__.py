"""`make chaos [FAULTS=300] [SEED=n]`: the workload under injected faults, then the table of what held."""

from __future__ import annotations

import argparse
import asyncio
import sys

from chaos.harness import FAULT_KINDS, Options, run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--faults", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kinds", default=",".join(FAULT_KINDS), help="comma-separated fault kinds")
    parser.add_argument(
        "--kafka-pause", default="10,60", help="min,max seconds a paused broker stays stopped"
    )
    args = parser.parse_args()
    low, high = (float(x) for x in args.kafka_pause.split(","))
    options = Options(
        faults=args.faults,
        seed=args.seed,
        kinds=tuple(k.strip() for k in args.kinds.split(",") if k.strip()),
        kafka_pause_seconds=(low, high),
    )
    report = asyncio.run(run(options))
    print(report.table())
    print("PASSED" if report.passed else "FAILED")
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
