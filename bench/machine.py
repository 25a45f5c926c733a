"""What the figures were measured on: cores, CPU, memory, Python, tools."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any


def _first(path: str, key: str) -> str | None:
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        name, sep, value = line.partition(":" if ":" in line else "=")
        if sep and name.strip() == key:
            return value.strip().strip('"')
    return None


def _memory_gib() -> float | None:
    total = _first("/proc/meminfo", "MemTotal")  # "24684060 kB"
    if not total:
        return None
    return round(int(total.split()[0]) / 1024 / 1024, 1)


def _version(command: list[str]) -> str | None:
    if not shutil.which(command[0]):
        return None
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0].split(" [")[0].split(" Copyright")[0] if lines else None


def describe() -> dict[str, Any]:
    """A JSON-ready description of this machine and of the tools measured."""
    from importlib.metadata import PackageNotFoundError, version

    def package(name: str) -> str | None:
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable,
        "cpu_model": _first("/proc/cpuinfo", "model name") or platform.processor() or None,
        "memory_gib": _memory_gib(),
        "os": _first("/etc/os-release", "PRETTY_NAME") or platform.system(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "gunicorn": package("gunicorn"),
        "flask": package("flask"),
        "wrk": _version(["wrk", "--version"]),
    }


def summary(machine: dict[str, Any]) -> str:
    """One line for the table's header."""
    return (
        f"{machine.get('cpu_count')} cores ({machine.get('cpu_model')}), "
        f"{machine.get('memory_gib')} GiB, {machine.get('os')}, "
        f"Python {machine.get('python')}, gunicorn {machine.get('gunicorn')}"
    )


def _cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def cpu_busy_percent(seconds: float = 1.0) -> float | None:
    """How busy the machine's CPUs are, sampled over ``seconds`` (other work)."""
    try:
        busy0, total0 = _cpu_times()
        time.sleep(seconds)
        busy1, total1 = _cpu_times()
    except (OSError, ValueError, IndexError):
        return None
    return round(100.0 * (busy1 - busy0) / max(1, total1 - total0), 1)


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def wait_until_quiet(threshold_pct: float = 10.0, max_wait_s: float = 60.0) -> float | None:
    """Sample the CPUs until other work keeps them under ``threshold_pct`` busy.

    Gives up after ``max_wait_s`` and returns the last sample (the caller warns).
    """
    deadline = time.monotonic() + max_wait_s
    busy = cpu_busy_percent()
    while busy is not None and busy > threshold_pct and time.monotonic() < deadline:
        busy = cpu_busy_percent(2.0)
    return busy


def busy_cpu_seconds() -> float:
    """CPU seconds spent busy on all CPUs since boot (compare two readings)."""
    try:
        return _cpu_times()[0] / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0
