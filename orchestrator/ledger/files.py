"""The embedded file ledger: immutable packets, fsync'd hash-chained JSONL, a derived index."""

from __future__ import annotations

import json
import os
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import JsonValue, ValidationError

from orchestrator.errors import InputError, LedgerCorrupt, NotFoundError
from orchestrator.ledger import chain, fsio, ids, runlock, sealing
from orchestrator.ledger.canonical import GENESIS, canonical_bytes, sha256_hex
from orchestrator.ledger.chain import Finding
from orchestrator.ledger.events import (
    Action,
    Details,
    LedgerRepaired,
    RequestCreated,
)
from orchestrator.ledger.fold import INDEXED, Folding, ItemView, fold, index_entry
from orchestrator.ledger.index_store import IndexStore
from orchestrator.ledger.lifecycle import TERMINAL, State
from orchestrator.ledger.locks import ProcessFileLock
from orchestrator.ledger.models import LedgerEvent, RequestPacket, Source, iso, utc_now
from orchestrator.ledger.repository import CheckpointStore, Created, Draft, SealedRecord

if TYPE_CHECKING:
    from orchestrator.config import QueueSection
    from orchestrator.queue.base import Queue

_LOCK_STRIPES = 64


@dataclass(frozen=True)
class _Head:
    """What an appender must know about a file's end: cached, revalidated by file size."""

    size: int
    folding: Folding

    @property
    def seq(self) -> int:
        return self.folding.last_seq

    @property
    def hash(self) -> str:
        return self.folding.head or GENESIS


class _Heads:
    """The newest `_Head`s by request, at most `limit`: a long-running service appends to
    ever more requests, and an unbounded cache kept a folded item for every one it had ever
    run, in each of its ledger handles. An evicted head is only re-read from its file."""

    def __init__(self, limit: int = 2048) -> None:
        self._limit = limit
        self._heads: OrderedDict[str, _Head] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, request_id: str) -> _Head | None:
        with self._lock:
            head = self._heads.get(request_id)
            if head is not None:
                self._heads.move_to_end(request_id)
            return head

    def __setitem__(self, request_id: str, head: _Head) -> None:
        with self._lock:
            self._heads[request_id] = head
            self._heads.move_to_end(request_id)
            while len(self._heads) > self._limit:
                self._heads.popitem(last=False)

    def __getitem__(self, request_id: str) -> _Head:
        head = self.get(request_id)
        if head is None:
            raise KeyError(request_id)
        return head


def packet_sha256(stored: Mapping[str, object]) -> str:
    """The hash REQUEST_CREATED records: of the packet's JSON object as stored, so a packet
    written by any version verifies however the model has grown since."""
    return sha256_hex(canonical_bytes(stored))


def parse_line(raw: bytes) -> LedgerEvent:
    return LedgerEvent.model_validate_json(raw)


class FileLedger:
    """Directory layout of DESIGN §6; safe for many processes on one machine."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.requests_dir = self.root / "requests"
        self.events_dir = self.root / "events"
        self.locks_dir = self.root / ".locks"
        self.index_store = IndexStore(self.root, lambda: self._lock("index"))
        self.index_path = self.index_store.path
        self._heads = _Heads()
        self._index_cache: tuple[tuple[int, ...], dict[str, ItemView]] | None = None
        self._locks: dict[str, ProcessFileLock] = {}
        self.run_locks = runlock.FileRunLocks(self)

    # -- companions -------------------------------------------------------------
    @property
    def location(self) -> str:
        return str(self.root)

    def checkpoints(self) -> CheckpointStore:
        from orchestrator.run.checkpoints import FileCheckpoints

        return FileCheckpoints(self.root)

    def open_queue(self, settings: QueueSection) -> Queue:
        from orchestrator.queue.files import FileQueue

        return FileQueue(self, settings)

    def problem(self) -> str | None:
        if os.access(self.events_dir, os.W_OK) and os.access(self.requests_dir, os.W_OK):
            return None
        return f"ledger at {self.root} is not writable"

    # -- layout -----------------------------------------------------------------
    def exists(self) -> bool:
        return self.requests_dir.is_dir() and self.events_dir.is_dir()

    def ensure(self) -> None:
        for directory in (self.requests_dir, self.events_dir, self.locks_dir):
            directory.mkdir(parents=True, exist_ok=True)

    def require(self) -> None:
        if not self.exists():
            raise NotFoundError(
                f"no ledger at {self.root} (submit a request first, or pass --ledger)"
            )

    def request_path(self, request_id: str) -> Path:
        return self.requests_dir / f"{ids.validate(request_id)}.json"

    def events_path(self, request_id: str) -> Path:
        return self.events_dir / f"{ids.validate(request_id)}.jsonl"

    def has_request(self, request_id: str) -> bool:
        """The packet exists (its first event may still be on its way)."""
        return self.request_path(request_id).exists()

    def has_events(self, request_id: str) -> bool:
        """The request's history has begun: a known request, for every reader. An empty
        events file is a creation killed between creating the file and its first write."""
        return bool(fsio.size_or_none(self.events_path(request_id)))

    def _lock(self, name: str) -> ProcessFileLock:
        """filelock waits by polling; its 50 ms default idles every contended writer that long.
        Lock objects are kept: building one costs more than taking it."""
        lock = self._locks.get(name)
        if lock is None:
            self.locks_dir.mkdir(parents=True, exist_ok=True)  # a copied ledger may lack it
            lock = ProcessFileLock(str(self.locks_dir / f"{name}.lock"))
            self._locks[name] = lock
        return lock

    def _request_lock(self, request_id: str) -> ProcessFileLock:
        stripe = zlib.crc32(request_id.encode()) % _LOCK_STRIPES
        return self._lock(f"req-{stripe:02d}")

    # -- creation ---------------------------------------------------------------
    def create_request(
        self,
        text: str,
        title: str,
        *,
        source: Source | None = None,
        idempotency_key: str | None = None,
        then: Sequence[Details] = (),
    ) -> Created:
        """Allocate an id and write the packet and its first event (with `then`, e.g. QUEUED,
        in the same fsync'd batch), once.

        Creations run side by side (their fsyncs coalesce): the id lock is held only to
        reserve a number, an idempotency key's check-and-create holds that key's stripe lock,
        and the packet stays flock'ed from its write until its first event lands, so a
        packet without events is a live creation exactly while that lock is held
        (`catch_up` sets aside only those whose creator died). Lock order: key stripe → ids
        → request stripe → index."""
        self.ensure()
        now = utc_now()
        with self._key_lock(idempotency_key):
            if idempotency_key is not None:
                existing = self._idempotent_hit(idempotency_key)
                if existing is not None:
                    return Created(packet=self.read_request(existing), created=False)
            packet, digest, creating = self._write_packet(
                now, text, title, source or Source(), idempotency_key
            )
            try:
                created = RequestCreated(
                    title=title,
                    source=packet.source.kind,
                    packet_sha256=digest,
                    idempotency_key=idempotency_key,
                )
                drafts = [Draft("orchestrator", created), *(Draft("orchestrator", d) for d in then)]
                self.append_many(packet.request_id, drafts)
            finally:
                os.close(creating)  # lets the packet's creation lock go
            if idempotency_key is not None:
                self._remember_key(idempotency_key, packet.request_id)
        if packet.source.subject is not None:
            self._remember_subject(packet.source.subject, packet.request_id)
        self._remember_text(text, packet.request_id)
        return Created(packet=packet, created=True)

    def _key_lock(self, key: str | None) -> AbstractContextManager[object]:
        if key is None:
            return nullcontext()
        return self._lock(f"key-{zlib.crc32(key.encode()) % _LOCK_STRIPES:02d}")

    def _write_packet(
        self, now: datetime, text: str, title: str, source: Source, key: str | None
    ) -> tuple[RequestPacket, str, int]:
        """The new packet, its `packet_sha256` (of the bytes written), and a descriptor
        holding its creation lock (the caller closes it). A number is reserved under the id
        lock; O_EXCL keeps ids unique even when the counter was lost or torn (it is then
        rebuilt from the packets there)."""
        day = ids.day_of(now)
        counter = self.locks_dir / f"counter-{day}"
        while True:
            with self._lock("ids"):
                number = self._read_counter(counter, day) + 1
                fsio.overwrite(counter, str(number).encode())
            packet = RequestPacket(
                request_id=ids.format_id(day, number),
                created_at=iso(now),
                title=title,
                text=text,
                source=source,
                idempotency_key=key,
            )
            stored = canonical_bytes(packet.stored())
            # readers find a packet through its first event, written after this: in place
            creating = fsio.create_new_locked(self.request_path(packet.request_id), stored + b"\n")
            if creating is not None:
                return packet, sha256_hex(stored), creating

    def _read_counter(self, counter: Path, day: str) -> int:
        raw = fsio.read_bytes_or_none(counter)
        if raw is not None and raw.strip().isdigit():
            return int(raw)
        prefix = f"REQ-{day}-"
        taken = [
            ids.number_of(p.stem)
            for p in self.requests_dir.glob(f"{prefix}*.json")
            if ids.is_valid(p.stem)
        ]
        return max(taken, default=0)

    def _key_path(self, key: str) -> Path:
        return self.root / "idempotency" / f"{sha256_hex(key.encode())}.json"

    def _idempotent_hit(self, key: str) -> str | None:
        raw = fsio.read_bytes_or_none(self._key_path(key))
        if raw is None:
            return None
        return ids.validate(json.loads(raw)["request_id"])

    def _remember_key(self, key: str, request_id: str) -> None:
        path = self._key_path(key)
        path.parent.mkdir(exist_ok=True)
        fsio.create_exclusive(path, canonical_bytes({"request_id": request_id}))

    def _text_path(self, text: str) -> Path:
        return self.root / "texts" / f"{sha256_hex(text.encode())}.json"

    def _remember_text(self, text: str, request_id: str) -> None:
        """The newest request per exact text: advisory (a repeat only warns), so not fsync'd;
        a reader caught mid-write may get no id or another one, and checks the packet's text."""
        path = self._text_path(text)
        path.parent.mkdir(exist_ok=True)
        fsio.overwrite(path, canonical_bytes({"request_id": request_id}))

    def find_by_text(self, text: str) -> str | None:
        """O(1) however large the ledger: one marker file per distinct text."""
        return _marked(self._text_path(text))

    def find_by_idempotency_key(self, key: str) -> str | None:
        return self._idempotent_hit(key)

    def _subject_path(self, subject: str) -> Path:
        return self.root / "subjects" / f"{sha256_hex(subject.encode())}.json"

    def _remember_subject(self, subject: str, request_id: str) -> None:
        """The newest item of a ticket or alert group, durably: a lost marker would make a
        re-sent alert a second item. Newest by id, under the subjects lock, whatever order
        concurrent creations finish in."""
        with self._lock("subjects"):
            known = self.find_by_subject(subject)
            if known is not None and ids.sort_key(known) >= ids.sort_key(request_id):
                return
            path = self._subject_path(subject)
            path.parent.mkdir(exist_ok=True)
            fsio.replace_atomic(path, canonical_bytes({"request_id": request_id}))

    def find_by_subject(self, subject: str) -> str | None:
        """The newest item whose packet names this ticket or alert group (`Source.subject`)."""
        return _marked(self._subject_path(subject))

    # -- appends ----------------------------------------------------------------
    def append(self, request_id: str, actor: str, details: Details) -> LedgerEvent:
        """Append one event durably; the per-request lock makes `seq`/`prev` race-free."""
        return self.append_many(request_id, [Draft(actor, details)])[0]

    def transition(self, request_id: str, target: State, actor: str, reason: str = "") -> None:
        """Check the lifecycle table under the lock; an illegal move raises and writes nothing."""
        self.append_many(request_id, [Draft.state(target, actor, reason)])

    def append_many(
        self, request_id: str, drafts: Sequence[Draft], durable: bool = True
    ) -> list[LedgerEvent]:
        """Append the events of one step with one write and one fsync: all land, or none.

        Each is chained and folded before anything is written, so an illegal transition or
        an event the read model cannot take refuses the whole batch. `durable=False` skips
        the fsync for bookkeeping that the step's next durable append covers (group commit):
        a killed process loses nothing written; a power cut, at most the steps since the last
        durable one.
        """
        path = self.events_path(request_id)
        with self._request_lock(request_id):
            head = self._head(request_id, path)
            return self._append_locked(request_id, path, head, drafts, durable)

    def _append_locked(
        self,
        request_id: str,
        path: Path,
        head: _Head,
        drafts: Sequence[Draft],
        durable: bool = True,
    ) -> list[LedgerEvent]:
        batch = sealing.seal(
            request_id, head.folding, drafts, lambda action: self._check_first(request_id, action)
        )
        events, lines, folding = batch.events, batch.lines, batch.folding
        if not events:
            return events
        size = fsio.append_durable(path, b"".join(lines), durable)
        self._heads[request_id] = _Head(size=size, folding=folding)
        if any(e.action in INDEXED for e in events):
            self._update_index(request_id, folding.entry())
        return events

    def _check_first(self, request_id: str, action: Action) -> None:
        """Only `create_request` starts a chain: an append must not conjure an unknown request,
        nor give a request whose creation was cut short a history without its first event."""
        if not self.request_path(request_id).exists():
            raise NotFoundError(f"unknown request {request_id}")
        if action is not Action.REQUEST_CREATED:
            raise LedgerCorrupt(
                f"{request_id} has no REQUEST_CREATED event (its creation was interrupted); "
                "run `orchestrate verify`"
            )

    def _head(self, request_id: str, path: Path) -> _Head:
        size = fsio.size_or_none(path) or 0
        cached = self._heads.get(request_id)
        if cached is not None and cached.size == size:
            return cached
        data = path.read_bytes() if size else b""
        cut = data.rfind(b"\n") + 1
        events = self._parse_for_append(path, data[:cut])
        head = _Head(size=cut, folding=Folding.of(request_id, events))
        self._heads[request_id] = head
        if cut < len(data):
            return self._repair_torn_tail(request_id, path, head, data[cut:])
        return head

    def _parse_for_append(self, path: Path, data: bytes) -> list[LedgerEvent]:
        """Parse the complete lines; refuse to append after real damage (verify says where)."""
        events, findings = chain.walk(path.name, data)
        if findings:
            first = findings[0]
            raise LedgerCorrupt(
                f"{first.file} line {first.line} breaks the hash chain ({first.reason}); "
                "run `orchestrate verify`"
            )
        return events

    def _repair_torn_tail(self, request_id: str, path: Path, head: _Head, fragment: bytes) -> _Head:
        """A line without its newline was cut by a killed writer and never acknowledged:
        quarantine it, cut it off so the next line cannot glue onto it, and record that."""
        quarantine = path.with_name(f"{path.name}.torn-{sha256_hex(fragment)[:12]}")
        fsio.create_exclusive(quarantine, fragment)
        fsio.truncate_to(path, head.size)
        if head.seq:
            repaired = LedgerRepaired(
                torn_bytes=len(fragment),
                fragment_sha256=sha256_hex(fragment),
                quarantined_to=quarantine.name,
            )
            note = Draft("ledger", repaired)
            self._append_locked(request_id, path, head, [note])
        return self._heads[request_id]

    # -- reads ------------------------------------------------------------------
    def read_request(self, request_id: str) -> RequestPacket:
        path = self.request_path(request_id)
        raw = fsio.read_bytes_or_none(path)
        if raw is None:
            raise NotFoundError(f"unknown request {request_id}")
        try:
            return RequestPacket.model_validate_json(raw)
        except ValidationError:
            raise LedgerCorrupt(f"{path.name} is not a valid request packet") from None

    def read_events(self, request_id: str) -> list[LedgerEvent]:
        """Complete lines only: an unterminated tail was never acknowledged, so it is not shown."""
        raw = fsio.read_bytes_or_none(self.events_path(request_id))
        if raw is None:
            raise NotFoundError(f"unknown request {request_id}")
        events = []
        for number, line in enumerate(raw.split(b"\n")[:-1], start=1):
            try:
                events.append(parse_line(line))
            except ValidationError:
                raise LedgerCorrupt(
                    f"{request_id} event line {number} is unreadable; run `orchestrate verify`"
                ) from None
        return events

    def view(self, request_id: str, upto: int | None = None) -> ItemView:
        return fold(request_id, self.read_events(request_id), upto)

    # -- the records as written, for verify and `db copy` -----------------------
    def import_sealed(self, record: SealedRecord) -> None:
        """A request copied in as written (`db copy`): its files byte for byte, then the
        markers its creation would have left. The caller reindexes once at the end."""
        self.ensure()
        rid = record.request_id
        for path, data in (
            (self.request_path(rid), record.packet),
            (self.events_path(rid), record.events),
        ):
            if data is None or not fsio.create_exclusive(path, data):
                raise InputError(f"{path} cannot be copied in; nothing more was copied")
        parsed = RequestPacket.model_validate_json(record.packet or b"")
        self._remember_markers(parsed)
        self._remember_text(parsed.text, rid)

    def sealed_records(self, request_ids: Sequence[str]) -> Iterator[SealedRecord]:
        for rid in request_ids:
            packet = fsio.read_bytes_or_none(self.requests_dir / f"{rid}.json")
            events = fsio.read_bytes_or_none(self.events_dir / f"{rid}.jsonl")
            yield SealedRecord(request_id=rid, packet=packet, events=events)

    def sealed_index(self) -> tuple[dict[str, JsonValue] | None, list[Finding]]:
        if not self.index_path.exists():
            return None, []
        entries = self.index_store.entries()  # the snapshot with its journal applied
        if entries is None:
            reason = "unreadable (run `orchestrate reindex`)"
            return None, [Finding(file="index.json", reason=reason)]
        return entries, []

    def orphans(self) -> list[Finding]:
        """Request files without events, and stray files that are not ledger records."""
        findings = []
        known = set(self.request_ids())
        if self.requests_dir.is_dir():
            for path in sorted(self.requests_dir.glob("*.json")):
                if ids.is_valid(path.stem) and path.stem not in known:
                    reason = "no events (creation interrupted?)"
                    findings.append(Finding(file=f"requests/{path.name}", reason=reason))
        if self.events_dir.is_dir():
            for path in sorted(self.events_dir.glob("*.jsonl")):
                if not ids.is_valid(path.stem):
                    reason = "unknown request (bad file name)"
                    findings.append(Finding(file=f"events/{path.name}", reason=reason))
        return findings

    def request_ids(self) -> list[str]:
        if not self.events_dir.is_dir():
            return []
        found = [p.stem for p in self.events_dir.glob("*.jsonl") if ids.is_valid(p.stem)]
        return sorted(found, key=ids.sort_key)

    # -- the derived index ------------------------------------------------------
    def index(self, state: State | None = None, kind: str | None = None) -> dict[str, ItemView]:
        """The read model, summaries only (`completed` is empty: `view()` folds it), narrowed
        to one state and kind if given; rebuilt in memory if missing or unreadable (never
        trusted blindly)."""
        views = self._index_views()
        return {
            rid: v
            for rid, v in views.items()
            if (state is None or v.state is state) and (kind is None or v.kind == kind)
        }

    def _index_views(self) -> dict[str, ItemView]:
        """Parsed once per version of the index files: a dashboard or API polling `list`
        over 10,000 items otherwise re-parses them all on every request."""
        version = self.index_store.version()
        cached = self._index_cache
        if version is not None and cached is not None and cached[0] == version:
            return cached[1]
        views = self._parsed_index()
        if version is not None:
            self._index_cache = (version, views)
        return views

    def _parsed_index(self) -> dict[str, ItemView]:
        entries = self.index_store.entries()
        if entries is not None:
            try:
                return {rid: ItemView.model_validate(v) for rid, v in entries.items()}
            except ValidationError:
                pass
        return {rid: ItemView.model_validate(e) for rid, e in self._readable_entries().items()}

    def reindex(self) -> int:
        """Fold every file once and write the index once, under the index lock, so an append
        that lands meanwhile rewrites its entry after us instead of being overwritten."""
        with self._lock("index"):
            entries = {rid: index_entry(self.view(rid)) for rid in self.request_ids()}
            self.index_store.replace_all(entries)
        self._rebuild_subjects(list(entries))
        return len(entries)

    def _rebuild_subjects(self, request_ids: list[str]) -> None:
        """Subject markers from the packets (ids sort by creation, so the newest wins)."""
        newest: dict[str, str] = {}
        for rid in sorted(request_ids, key=ids.sort_key):
            subject = self.read_request(rid).source.subject
            if subject is not None:
                newest[subject] = rid
        for subject, rid in newest.items():  # an item created meanwhile is newer: it stays
            self._remember_subject(subject, rid)

    def catch_up(self) -> int:
        """After a killed writer, before work resumes: set aside packets whose creation was
        cut off before their first event; write index entries for requests the index lacks
        (with their idempotency and subject markers) and for open ones it has behind. Closed
        items are left alone, so this costs two directory listings plus the open items."""
        mended = self._set_aside_interrupted()
        index = self.index()
        for rid in self.request_ids():
            known = index.get(rid)
            if known is not None and known.state in TERMINAL:
                continue
            try:
                with self._request_lock(rid):
                    view = self.view(rid)
                    if known is None or known.last_seq != view.last_seq:
                        self._update_index(rid, index_entry(view))
                        mended += 1
            except LedgerCorrupt:
                continue  # verify names it; a damaged item must not stop the others
            if known is None:
                self._remember_markers(self.read_request(rid))
        return mended

    def _remove_empty_events(self, request_id: str) -> None:
        events = self.events_path(request_id)
        if events.exists():
            events.unlink()
            fsio.fsync_dir(self.events_dir)

    def _set_aside_interrupted(self) -> int:
        """A packet with no events whose creation lock is free lost its creator before its
        first event, so it was never acknowledged: move it out of the ledger, kept as
        `REQ-….json.interrupted`, so verify and the id scan no longer see it. An empty
        events file its creator left (killed between creating and writing it) goes first,
        durably, so a power cut cannot leave it behind without its packet."""
        if not self.requests_dir.is_dir():
            return 0
        moved = 0
        for path in self.requests_dir.glob("*.json"):
            if not ids.is_valid(path.stem) or self.has_events(path.stem):
                continue
            with fsio.try_flock(path) as free:
                if free and not self.has_events(path.stem):
                    self._remove_empty_events(path.stem)
                    os.replace(path, path.with_name(f"{path.name}.interrupted"))
                    moved += 1
        if moved:
            fsio.fsync_dir(self.requests_dir)
        return moved

    def _remember_markers(self, packet: RequestPacket) -> None:
        """The markers `create_request` writes after the events, if a kill cut them off."""
        rid = packet.request_id
        key = packet.idempotency_key
        if key is not None:
            with self._key_lock(key):
                if self._idempotent_hit(key) is None:
                    self._remember_key(key, rid)
        if packet.source.subject is not None:
            self._remember_subject(packet.source.subject, rid)

    def _update_index(self, request_id: str, entry: dict[str, JsonValue]) -> None:
        """Called under the request's lock, so entries for one request land in event order."""
        self.index_store.put(request_id, entry, self._readable_entries)

    def _readable_entries(self) -> dict[str, JsonValue]:
        """Rebuild for a lost index; a damaged file is left out (verify names it) rather than
        failing an append that is already durable."""
        entries: dict[str, JsonValue] = {}
        for rid in self.request_ids():
            try:
                entries[rid] = index_entry(self.view(rid))
            except LedgerCorrupt:
                continue
        return entries


def ledger_root(flag: str | None) -> Path:
    """`--ledger DIR`, else `ORCHESTRATE_LEDGER`, else `./coordination`."""
    return Path(flag or os.environ.get("ORCHESTRATE_LEDGER") or "coordination")


def _marked(path: Path) -> str | None:
    """The request id a text or subject marker names; None when it is missing or torn — a
    text marker only ever warns, and `reindex` rebuilds the subject markers."""
    raw = fsio.read_bytes_or_none(path)
    try:
        found = json.loads(raw)["request_id"] if raw is not None else None
    except (ValueError, KeyError, TypeError):
        return None
    return found if isinstance(found, str) and ids.is_valid(found) else None
