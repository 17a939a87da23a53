"""The shared PostgreSQL backend: ledger, queue, run locks and checkpoints in one database.

Imported only when a `postgresql://` ledger is configured (see `ledger.backends`).
"""
