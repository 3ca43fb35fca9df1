"""The Source protocol: what a distributor bomcheck can ask about BOM lines provides."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from bomcheck.model import Lookup, Query

if TYPE_CHECKING:
    from bomcheck.distributors.http import Transport


class Source(Protocol):
    """A distributor bomcheck can ask about BOM lines.

    `batches` groups the queries that one call answers together (Arrow: one call per distinct
    MPN; DigiKey bonded: one call for the whole account), `fetch` performs that call and
    returns a Lookup for every query of the batch. A failure of the call raises SourceError;
    the fan-out turns it into an ERROR Lookup for each query of the batch.

    Optional: `calls_at_most(batch) -> int`, the most calls a batch may cost (a source whose batch
    may take a second call says so, and the fan-out's daily-quota check counts that); else one.
    """

    name: str

    def batches(self, queries: Sequence[Query]) -> list[list[Query]]: ...

    async def fetch(self, transport: Transport, batch: Sequence[Query]) -> Mapping[Query, Lookup]: ...
