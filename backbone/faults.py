"""Crash points for fault-injection tests: the process kills itself with SIGKILL at a named point.

Set `BACKBONE_CRASH_AT=<point>` on a relay or consumer process; nothing happens when it is unset. This is
how the crash-safety tests stop a process exactly between a database commit and a publish or offset commit.
"""

from __future__ import annotations

import os
import signal

RELAY_AFTER_PUBLISH = "relay.after_publish_before_mark"
RELAY_BEFORE_PUBLISH = "relay.after_claim_before_publish"
CONSUMER_AFTER_DB_COMMIT = "consumer.after_db_commit_before_offset_commit"
ACTIVITY_AFTER_CALL = "activity.after_service_call_before_completion"


def crash_point(name: str) -> None:
    if os.environ.get("BACKBONE_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
