"""Page data shared by the people of one scope until the data changes.

A page's figures are the same for everyone who sees the same students: the coaches of one
municipality, the staff of one school. They are kept under plain keys — what was read, the
reader's scope (role and the regions, municipalities and schools it covers), the arguments,
the language and the day — together with the data version they were read at
(`data_models.engine.data_version`, raised in the same transaction as every change, by any
process). A read at another version computes afresh, so a save is seen on the next run,
whoever made it and wherever. A read depends on every record but the follow-up work
(meetings, measures, contacts, feedback), which is saved all the time in meetings; a read
that does read the follow-up work says so (`follow_up=True`) and is kept at the versions of
both groups.

Only the computing is shared: access checks and the audit log's record of the view stay
with each call (the services do them outside `shared`). Every caller gets its own copy, so
that a page that changes what it got cannot change what the next person sees."""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy.orm import Session

from data_models.engine import FOLLOW_UP, RECORDS, data_version
from lib import clock, i18n
from lib.access import Viewer

T = TypeVar("T")
READS = "aktiv_shared_reads"  # session.info key: the SharedReads of the app's process
SIZE = 512  # kept results; the oldest unused one goes first


class SharedReads:
    """Results of reads by key, each with the data version it was read at."""

    def __init__(self, size: int = SIZE) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, tuple[Hashable, object]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable, version: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            kept = self._items.get(key)
            if kept is not None and kept[0] == version:
                self._items.move_to_end(key)
                self.hits += 1
                return copy.deepcopy(kept[1])
            self.misses += 1
        value = compute()  # outside the lock: other pages go on meanwhile
        with self._lock:
            self._items[key] = (version, value)
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return copy.deepcopy(value)


def scope_key(viewer: Viewer) -> tuple:
    """Everything that decides which records a viewer may see, and nothing personal."""
    return (viewer.role, tuple(sorted(viewer.region_ids)), tuple(sorted(viewer.municipality_ids)),
            tuple(sorted(viewer.school_ids)))


def use_shared_reads(session: Session, reads: SharedReads) -> None:
    session.info[READS] = reads


def shared(session: Session, viewer: Viewer, what: str, arguments: tuple,
           compute: Callable[[], T], follow_up: bool = False) -> T:
    """`compute()`, or what it gave for the same scope and arguments at this data version
    (of the records, and of the follow-up work too when the read reads it).
    Without shared reads on the session (services called outside the app), it computes."""
    reads = session.info.get(READS)
    if reads is None:
        return compute()
    key = (what, scope_key(viewer), arguments, i18n.current(), clock.local_today())
    version = data_version(session, RECORDS)
    if follow_up:
        version = (version, data_version(session, FOLLOW_UP))
    return reads.get(key, version, compute)
