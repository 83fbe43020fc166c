"""Run a command and measure it as a whole: wall time, CPU (user + system of the process and
every child it waited for) and the peak resident memory of its whole process tree (the sum of
the RSS of the process and all its descendants, sampled every 0.1 s from /proc — dbt and DuckDB
run in child processes, so the parent's own peak says too little). Linux only.

    python -m tests.bench.tree -- plantrack run        # prints wall, CPU, peak tree RSS
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Measured:
    wall: float      # seconds
    cpu: float       # seconds, user + system of the tree (children waited for)
    peak_rss: int    # bytes, the largest sum of the tree's RSS seen
    returncode: int

    def __str__(self) -> str:
        return f"wall {self.wall:.1f} s, CPU {self.cpu:.1f} s, peak RSS {self.peak_rss / 2**30:.2f} GiB"


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def tree_rss(pid: int) -> int:
    """Bytes resident in ``pid`` and all its descendants now."""
    tree, total, todo = _children(), 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(tree.get(p, []))
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def measure(cmd: list[str], **popen) -> Measured:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, **popen)
    peak = [0]

    def sample():
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_rss(proc.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    proc.wait()
    wall = time.perf_counter() - started
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Measured(wall, cpu, peak[0], proc.returncode)


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--":
        args = args[1:]
    m = measure(args)
    print(m, file=sys.stderr)
    sys.exit(m.returncode)
