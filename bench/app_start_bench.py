"""Start-up time of `bash scripts/run-app.sh` once the environment is set up (the second and later starts):
from launching the script to the app answering /_stcore/health, and what the script printed.

    python bench/app_start_bench.py [--runs 3] [--offline]

Needs a set-up .venv in the checkout (bash scripts/setup.sh). `--offline` runs each start in a network
namespace with only the loopback interface (`unshare -n`, root), to show that no step reaches the network.
The first start of each data directory builds the index; it is run once before timing and not counted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(data_dir: Path, offline: bool) -> tuple[float, str]:
    port = free_port()
    command = f"bash scripts/run-app.sh --server.port {port}"
    if offline:
        command = f"ip link set lo up && {command}"
        argv = ["unshare", "-n", "sh", "-c", command]
    else:
        argv = ["sh", "-c", command]
    env = {**os.environ, "BEIAN_DATA_DIR": str(data_dir)}
    with tempfile.TemporaryFile() as log:
        began = time.perf_counter()
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            elapsed = wait_healthy(port, process, offline)
        finally:
            process.terminate()
            process.wait(timeout=20)
        log.seek(0)
        return elapsed - began, log.read().decode("utf-8", errors="replace")


def wait_healthy(port: int, process: subprocess.Popen[bytes], offline: bool) -> float:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"run-app.sh exited with {process.returncode}")
        if offline:  # the server is in its own network namespace: ask from inside it
            # unshare execs the shell, so the process is itself inside the new namespace
            probe = ["nsenter", "-t", str(process.pid), "-n", "curl", "-sf", "-o", "/dev/null"]
            if (
                subprocess.run([*probe, f"http://127.0.0.1:{port}/_stcore/health"], check=False).returncode
                == 0
            ):
                return time.perf_counter()
        else:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as response:
                    if response.status == 200:
                        return time.perf_counter()
            except OSError:
                pass
        time.sleep(0.05)
    raise SystemExit("the app did not become healthy within 300 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--offline", action="store_true")
    args = parser.parse_args()
    if subprocess.run(["bash", "scripts/setup.sh", "--check"], cwd=ROOT).returncode != 0:
        raise SystemExit("环境未就绪：先运行 bash scripts/setup.sh")
    if args.offline and not shutil.which("unshare"):
        raise SystemExit("--offline needs unshare (util-linux) and root")
    data_dir = Path(tempfile.mkdtemp(prefix="beian-start-"))
    first, _ = start(data_dir, args.offline)
    print(f"first start of a new data directory (builds the index): {first:.2f} s")
    times, outputs = [], []
    for _ in range(args.runs):
        elapsed, output = start(data_dir, args.offline)
        times.append(elapsed)
        outputs.append(output)
    pip_lines = [line for out in outputs for line in out.splitlines() if "pip" in line.lower()]
    print(
        f"second and later starts ({args.runs} runs{', offline' if args.offline else ''}): "
        f"median {statistics.median(times):.2f} s, min {min(times):.2f} s, max {max(times):.2f} s; "
        f"lines mentioning pip: {len(pip_lines)}"
    )
    print("output of the last start:\n" + outputs[-1].strip())
    shutil.rmtree(data_dir, ignore_errors=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
