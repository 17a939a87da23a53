"""The offline `mock` runtime: heuristic triage, text-derived artifacts, scripted failures."""
