"""CLI start times: `--help`, `list`, `show`, `verify` and a mock `submit`, medians of N runs.

The read commands must not import LangGraph or a provider SDK; the baseline is a bare
`python -c pass` in the same run, so the numbers travel between machines as ratios.

    python bench/cli_startup.py [-n 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).with_name("orchestrate")


def _time(cmd: list[str], env: dict[str, str], cwd: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    return (time.perf_counter() - started) * 1000


def _imports(args: list[str], env: dict[str, str], cwd: str) -> list[str]:
    probe = (
        "import sys\n"
        "from orchestrator.cli.app import main\n"
        "sys.argv = ['orchestrate', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit: pass\n"
        "heavy = [m for m in ('langgraph', 'openai', 'anthropic') if m in sys.modules]\n"
        "print(','.join(heavy), file=sys.stderr)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, *args], env=env, cwd=cwd, capture_output=True, text=True
    )
    last = out.stderr.strip().splitlines()[-1:] or [""]
    return [m for m in last[0].split(",") if m]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "ORCHESTRATE_LEDGER": str(Path(tmp) / "coordination")}
        subprocess.run(
            [str(BIN), "submit", "login returns 500"], env=env, cwd=tmp, capture_output=True
        )
        rid = sorted((Path(tmp) / "coordination" / "requests").glob("*.json"))[0].stem
        commands = {
            "python -c pass (baseline)": [sys.executable, "-c", "pass"],
            "orchestrate --help": [str(BIN), "--help"],
            "orchestrate list": [str(BIN), "list"],
            "orchestrate show REQ": [str(BIN), "show", rid],
            "orchestrate verify": [str(BIN), "verify"],
            "orchestrate submit (mock)": [str(BIN), "submit", "login returns 500"],
        }
        base = None
        print(f"{'command':<30} {'median ms':>10} {'x baseline':>11}  heavy imports")
        for name, cmd in commands.items():
            med = statistics.median(_time(cmd, env, tmp) for _ in range(args.n))
            base = base or med
            heavy = (
                "" if cmd[0] == sys.executable else ",".join(_imports(cmd[1:], env, tmp)) or "none"
            )
            print(f"{name:<30} {med:>10.0f} {med / base:>10.1f}x  {heavy}")


if __name__ == "__main__":
    main()
