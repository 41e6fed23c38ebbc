"""The short version of `make chaos`: every kind of fault at least once, at random moments, while the workload
runs; then nothing acknowledged is lost, nothing took effect twice, every aggregate kept its order, each national
stream holds exactly what it may, every onboarding completed and the audit chain verifies."""

from __future__ import annotations

import pytest

from chaos.harness import FAULT_KINDS, Options, run
from devstack.config import StackConfig


async def test_a_short_chaos_run_loses_and_repeats_nothing(stack_config: StackConfig) -> None:
    if stack_config.external_kafka_bootstrap or stack_config.external_postgres_admin_url:
        pytest.skip("runs a private PostgreSQL, Kafka and Temporal; this run uses external ones")
    report = await run(
        Options(faults=2 * len(FAULT_KINDS), seed=7, gap_seconds=(0.3, 1.0), kafka_pause_seconds=(3.0, 5.0))
    )
    print(report.table())
    assert set(report.injected) == set(FAULT_KINDS), report.injected
    # Progress, not throughput: in the parallel suite the workload shares two cores with every other test.
    assert report.findings.acknowledged >= 10, "the workload made progress through the faults"
    assert report.findings.forwarded > 0, "the feed forwarded events"
    assert report.passed, report.table()
