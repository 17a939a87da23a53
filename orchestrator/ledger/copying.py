"""`orchestrate db copy`: move a ledger between backends with every chain intact.

Records travel as written (each packet's and each chain's bytes), never re-sealed, so the
hashes on both sides are the same bytes; both sides are verified, and compared, after.
"""

from __future__ import annotations

from pydantic import BaseModel

from orchestrator.errors import InputError, LedgerCorrupt
from orchestrator.ledger.repository import LedgerRepository
from orchestrator.ledger.verify import verify


class Copied(BaseModel):
    requests: int
    events: int


def copy_ledger(source: LedgerRepository, dest: LedgerRepository) -> Copied:
    """Refuse a source that does not verify and a destination that holds anything."""
    before = verify(source)
    if not before.ok:
        first = before.findings[0]
        raise LedgerCorrupt(
            f"{source.location} does not verify ({len(before.findings)} problem(s), first "
            f"{first.file}: {first.reason}); nothing was copied — run `orchestrate verify`"
        )
    if dest.request_ids():
        raise InputError(f"{dest.location} is not empty; copy into an empty ledger")
    rids = source.request_ids()
    for record in source.sealed_records(rids):
        if record.packet is None or record.events is None:
            raise LedgerCorrupt(f"{record.request_id} vanished from {source.location} mid-copy")
        dest.import_sealed(record)
    dest.reindex()
    after = verify(dest)
    if not after.ok:
        first = after.findings[0]
        raise LedgerCorrupt(f"the copy at {dest.location} does not verify: {first.reason}")
    for mine, theirs in zip(source.sealed_records(rids), dest.sealed_records(rids), strict=True):
        if mine != theirs:
            raise LedgerCorrupt(f"{mine.request_id} differs after the copy")
    return Copied(requests=after.requests, events=after.events)
