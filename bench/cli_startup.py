"""CLI start times: `--help`, `list`, `show`, `verify` and a mock `submit`, medians of N runs.

The read commands must not import LangGraph, a provider SDK, the web stack or the triage
model. The bar is `python -c "import typer, pydantic"` measured in the same run: `--help`
and the read commands within +250 ms of it. Commands are interleaved round by round, so a
slow moment of this shared machine hits every command alike.

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
HEAVY = (
    "langgraph", "openai", "anthropic", "fastapi", "uvicorn", "psycopg", "numpy",
    "opentelemetry.sdk", "adapters.mock.classifier.model",
)  # fmt: skip


def _time(cmd: list[str], env: dict[str, str], cwd: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    return (time.perf_counter() - started) * 1000


def _imports(args: list[str], env: dict[str, str], cwd: str) -> list[str]:
    probe = (
        f"import sys\nHEAVY = {HEAVY!r}\n"
        "from orchestrator.cli.app import main\n"
        "sys.argv = ['orchestrate', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit: pass\n"
        "heavy = [m for m in HEAVY if m in sys.modules]\n"
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
            "python -c pass": [sys.executable, "-c", "pass"],
            "import typer, pydantic (bar)": [sys.executable, "-c", "import typer, pydantic"],
            "orchestrate --help": [str(BIN), "--help"],
            "orchestrate list": [str(BIN), "list"],
            "orchestrate show REQ": [str(BIN), "show", rid],
            "orchestrate verify": [str(BIN), "verify"],
            "orchestrate submit (mock)": [str(BIN), "submit", "login returns 500"],
        }
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.n):
            for name, cmd in commands.items():
                samples[name].append(_time(cmd, env, tmp))
        bar = statistics.median(samples["import typer, pydantic (bar)"])
        print(f"{'command':<30} {'median ms':>10} {'vs bar':>9}  heavy imports")
        for name, cmd in commands.items():
            med = statistics.median(samples[name])
            heavy = (
                "" if cmd[0] == sys.executable else ",".join(_imports(cmd[1:], env, tmp)) or "none"
            )
            print(f"{name:<30} {med:>10.0f} {med - bar:>+8.0f}ms  {heavy}")


if __name__ == "__main__":
    main()
