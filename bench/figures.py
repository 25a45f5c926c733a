"""The headline figures of each benchmark, and the previous ones kept in docs/benchmarks.md.

``docs/benchmarks.md`` holds a JSON block between two HTML comments
(:data:`BEGIN`, :data:`END`): for each mode (``full``, ``quick``), when and on
what the figures were measured, and the figures themselves, by benchmark.
:func:`table` prints this run's figures next to those, with the change; a
run with ``--record`` (:func:`record`) writes its own figures into the block
(only the benchmarks it ran, and only when none failed).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
BEGIN = "<!-- bench-figures:begin -->"
END = "<!-- bench-figures:end -->"
_BLOCK = re.compile(re.escape(BEGIN) + r"\s*```json\s*(.*?)\s*```\s*" + re.escape(END), re.S)


@dataclass(frozen=True)
class Figure:
    """One headline figure: its key in the benchmark's section, and which way is better."""

    key: str
    label: str
    higher_is_better: bool
    target: str


FIGURES: dict[str, tuple[Figure, ...]] = {
    "evaluate": (Figure("rps", "requests/s", True, ">= 500"),
                 Figure("p99_ms", "p99 ms", False, "<= 50")),
    "feed": (Figure("render_10k_s", "cold render s", False, "<= 1"),
             Figure("not_modified_ms", "304 ms (HTTP p50)", False, "<= 10")),
    "notifier": (Figure("sms_per_s", "SMS/s end to end", True, ">= 200"),
                 Figure("sink_ratio", "sink ratio", True, ">= 0.5")),
    "sweep": (Figure("seconds", "finding due work s", False, "<= 10"),
              Figure("scale_ratio", "scale ratio (10x employees)", False, "<= 2"),
              Figure("full_sweep_s", "full sweep s (opens all)", False, "")),
}


def headline(name: str, result: dict[str, Any]) -> dict[str, Any]:
    """The figures of :data:`FIGURES` found in a benchmark's result."""
    return {f.key: result.get(f.key) for f in FIGURES.get(name, ())}


def load_previous(doc: Path = DOC) -> dict[str, Any]:
    """The block of previous figures, ``{}`` when missing or unreadable."""
    try:
        match = _BLOCK.search(doc.read_text(encoding="utf-8"))
    except OSError:
        return {}
    if match is None:
        return {}
    try:
        data = json.loads(match.group(1))
    except ValueError as exc:
        print(f"warning: the figures block of {doc} is not JSON ({exc}); not compared")
        return {}
    return data if isinstance(data, dict) else {}


def _change(now: Any, before: Any) -> str:
    if not isinstance(now, int | float) or not isinstance(before, int | float) or not before:
        return "-"
    return f"{100.0 * (now - before) / before:+.0f} %"


def _verdict(figure: Figure, now: Any, before: Any) -> str:
    if not isinstance(now, int | float) or not isinstance(before, int | float) or not before:
        return ""
    ratio = now / before
    if 0.9 <= ratio <= 1.1:
        return "same"
    better = ratio > 1 if figure.higher_is_better else ratio < 1
    return "better" if better else "worse"


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if abs(value) >= 10:
            return f"{value:.1f}"
        text = f"{value:.3f}".rstrip("0")
        return text + "0" if text.endswith(".") else text
    return str(value)


def table(rows: dict[str, dict[str, Any]], previous: dict[str, Any], mode: str) -> str:
    """This run's headline figures, the previous ones of the same mode, and the change."""
    before = previous.get(mode, {}).get("figures", {})
    head = ("benchmark", "figure", "now", "previous", "change", "", "target")
    lines = []
    for name, result in rows.items():
        for figure in FIGURES.get(name, ()):
            now = result.get(figure.key)
            old = before.get(name, {}).get(figure.key)
            lines.append((name, figure.label, _cell(now), _cell(old), _change(now, old),
                          _verdict(figure, now, old), figure.target))
    if not lines:
        return "(no headline figures)"
    widths = [max(len(row[i]) for row in (head, *lines)) for i in range(len(head))]
    out = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
           for row in (head, *lines)]
    out.insert(1, "-+-".join("-" * w for w in widths))
    when = previous.get(mode, {}).get("measured_at")
    out.append(f"previous: {DOC.name}, {mode} run of {when}" if when
               else f"previous: no {mode} figures in {DOC.name}")
    return "\n".join(out)


def record(rows: dict[str, dict[str, Any]], mode: str, machine: str, doc: Path = DOC) -> bool:
    """Write this run's figures into the block of ``doc`` (kept for the other benchmarks)."""
    text = doc.read_text(encoding="utf-8")
    if _BLOCK.search(text) is None:
        print(f"no figures block ({BEGIN} ... {END}) in {doc}: nothing recorded")
        return False
    data = load_previous(doc)
    entry = data.setdefault(mode, {})
    figures = entry.setdefault("figures", {})
    for name, result in rows.items():
        if name in FIGURES and not result.get("failed"):
            figures[name] = {**headline(name, result), "measured_at": result.get("measured_at")}
    stamps = [str(r["measured_at"]) for r in rows.values() if r.get("measured_at")]
    entry["measured_at"] = max(stamps) if stamps else entry.get("measured_at")
    entry["machine"] = machine
    block = f"{BEGIN}\n```json\n{json.dumps(data, indent=2, ensure_ascii=False)}\n```\n{END}"
    doc.write_text(_BLOCK.sub(lambda _match: block, text, count=1), encoding="utf-8")
    return True
