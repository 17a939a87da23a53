"""Runtimes that drive coding-agent CLIs (Claude Code, Codex CLI, Copilot CLI) headless.

Each CLI runs as a subprocess in the user's workspace, read-only unless the role is allowed
to write, under a hard deadline that kills its whole process group. `process` owns the
subprocess mechanics, `cli` the shared runtime shape, one module per vendor the flags and
the parsing of that CLI's machine-readable output.
"""
