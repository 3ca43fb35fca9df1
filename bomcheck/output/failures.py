"""What a run could not check: per source, the lines it failed for, counted by reason (stderr, JSON, logs)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bomcheck.model import LineResult, Lookup, Report


@dataclass(frozen=True)
class SourceFailures:
    """One source's failed lines, and how many failed for each reason (most frequent first)."""

    source: str
    lines: int
    reasons: tuple[tuple[str, int], ...]

    def describe(self) -> str:
        """'Arrow failed for 38 (HTTP 503 ×20, timeout ×18)'."""
        reasons = ", ".join(f"{reason} ×{count}" for reason, count in self.reasons)
        return f"{self.source} failed for {self.lines} ({reasons})"


@dataclass(frozen=True)
class RunFailures:
    """How many lines were fully checked, how many not, and why, per source."""

    lines: int
    not_checked: int
    sources: tuple[SourceFailures, ...]

    @property
    def checked(self) -> int:
        return self.lines - self.not_checked

    def sentence(self) -> str:
        """'212 lines checked, 38 lines not checked: Arrow failed for 38 (HTTP 503 ×20, timeout ×18)'."""
        head = f"{_lines(self.checked)} checked"
        if not self.not_checked:
            return head
        return (f"{head}, {_lines(self.not_checked)} not checked: "
                + "; ".join(source.describe() for source in self.sources))

    def as_dict(self) -> dict[str, object]:
        return {"lines": self.lines, "checked": self.checked, "not_checked": self.not_checked,
                "sources": [{"source": s.source, "lines": s.lines, "reasons": dict(s.reasons)}
                            for s in self.sources]}


def _lines(count: int) -> str:
    return f"{count} line" if count == 1 else f"{count} lines"


def _kind(lookup: Lookup) -> str:
    return lookup.failure.kind if lookup.failure else "unknown failure"


def run_failures(results: Sequence[LineResult] | Report) -> RunFailures:
    """Count the lines some source failed for (status ERROR, or answered by another source only,
    or whose choice of alternate rested on a failed answer at any of a report's build quantities)."""
    scenarios = [scenario.results for scenario in results.scenarios] if isinstance(results, Report) else []
    results = results.results if isinstance(results, Report) else results
    unanswered: dict[int, list[tuple[str, str]]] = {}
    for scenario in scenarios:
        for index, result in enumerate(scenario):
            said = [(lookup.source, _kind(lookup)) for lookup in result.unanswered]
            unanswered.setdefault(index, []).extend(said)
    per_source: dict[str, Counter[str]] = {}
    failed_lines = 0
    for index, result in enumerate(results):
        failed = [(name, _kind(lookup)) for name, lookup in result.lookups.items() if lookup.failed]
        failed += unanswered.get(index) or [(lookup.source, _kind(lookup)) for lookup in result.unanswered]
        firsts: dict[str, str] = {}
        for name, kind in failed:
            firsts.setdefault(name, kind)  # each source once per line
        failed = list(firsts.items())
        failed_lines += bool(failed)
        for name, kind in failed:
            per_source.setdefault(name, Counter())[kind] += 1
    sources = tuple(SourceFailures(name, sum(counts.values()), tuple(counts.most_common()))
                    for name, counts in per_source.items())
    return RunFailures(len(results), failed_lines, sources)
