"""The `orchestrate` command line: a thin layer over `orchestrator.run.runner`."""
