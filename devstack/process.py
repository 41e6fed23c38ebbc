"""Starting, finding and stopping the stack's background processes (pid files under .state/run)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import psutil


def log(message: str) -> None:
    print(f"[stack] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock between processes on this machine (parallel test workers), released on exit or death."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_pid(pid_file: Path) -> int | None:
    try:
        pid = int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
    except psutil.NoSuchProcess:
        return None
    return pid


def spawn(
    name: str,
    argv: Sequence[str],
    *,
    pid_file: Path,
    log_file: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    user: str | None = None,
) -> int:
    """Start a process in its own session so that stopping it takes its children along."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    if user is not None:
        argv = ["runuser", "-u", user, "--", *argv]
    with open(log_file, "ab") as out:
        proc = subprocess.Popen(
            list(argv),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
        )
    pid_file.write_text(str(proc.pid))
    log(f"started {name} (pid {proc.pid}, log {log_file})")
    return proc.pid


def stop_pid(pid: int, *, name: str, timeout: float = 20.0) -> None:
    """SIGTERM the process group, wait, then SIGKILL whatever is left."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    try:
        os.killpg(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        for proc in procs:
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.terminate()
    _, alive = psutil.wait_procs(procs, timeout=timeout)
    for proc in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    psutil.wait_procs(alive, timeout=5)
    log(f"stopped {name}")


def stop_from_pid_file(pid_file: Path, *, name: str, timeout: float = 20.0) -> bool:
    pid = read_pid(pid_file)
    pid_file.unlink(missing_ok=True)
    if pid is None:
        return False
    stop_pid(pid, name=name, timeout=timeout)
    return True


def wait_until(
    check: Callable[[], bool],
    *,
    what: str,
    timeout: float,
    interval: float = 0.25,
    alive: Callable[[], bool] | None = None,
    log_file: Path | None = None,
) -> None:
    """Poll `check` until it holds; fail fast with the log's tail when the process died."""
    deadline = time.monotonic() + timeout
    last_report = time.monotonic()
    while True:
        if check():
            return
        if alive is not None and not alive():
            raise RuntimeError(f"{what}: the process exited during start-up{_tail(log_file)}")
        now = time.monotonic()
        if now > deadline:
            raise TimeoutError(f"{what}: not ready after {timeout:.0f}s{_tail(log_file)}")
        if now - last_report > 5:
            log(f"waiting for {what} ...")
            last_report = now
        time.sleep(interval)


def _tail(log_file: Path | None, lines: int = 30) -> str:
    if log_file is None or not log_file.exists():
        return ""
    text = log_file.read_text(errors="replace").splitlines()[-lines:]
    return "\n--- last lines of " + str(log_file) + " ---\n" + "\n".join(text)


def port_open(host: str, port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def run_checked(argv: Sequence[str], *, what: str, user: str | None = None, **kwargs: object) -> str:
    if user is not None:
        argv = ["runuser", "-u", user, "--", *argv]
    result = subprocess.run(list(argv), capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return str(result.stdout)
