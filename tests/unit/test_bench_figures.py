"""The previous benchmark figures kept in docs/benchmarks.md: read, compared, recorded."""

from __future__ import annotations

from pathlib import Path

from bench import figures


def test_the_doc_holds_the_previous_figures_of_every_headline() -> None:
    previous = figures.load_previous()
    for mode in ("full", "quick"):
        assert previous[mode]["measured_at"]
    full = previous["full"]["figures"]
    for name, expected in figures.FIGURES.items():
        for figure in expected:
            assert isinstance(full[name][figure.key], int | float), (name, figure.key)


def test_a_run_is_compared_with_the_same_mode() -> None:
    previous = {"full": {"measured_at": "2026-11-23", "figures": {
        "sweep": {"seconds": 2.0, "scale_ratio": 1.0}}}}
    table = figures.table({"sweep": {"seconds": 1.0, "scale_ratio": 1.05}}, previous, "full")
    [seconds] = [line for line in table.splitlines() if "finding" in line]
    assert "-50 %" in seconds and "better" in seconds
    [ratio] = [line for line in table.splitlines() if "scale ratio" in line]
    assert "same" in ratio
    assert "no quick figures" in figures.table({"sweep": {}}, previous, "quick")


def test_recording_replaces_only_what_ran(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text(figures.DOC.read_text(encoding="utf-8"), encoding="utf-8")
    before = figures.load_previous(doc)
    rows = {"sweep": {"seconds": 0.5, "scale_ratio": 1.1, "full_sweep_s": 9.0,
                      "measured_at": "2030-01-01T00:00:00+0000"},
            "notifier": {"failed": "RuntimeError: no PostgreSQL"}}
    assert figures.record(rows, "full", "a machine", doc)
    after = figures.load_previous(doc)
    assert after["full"]["figures"]["sweep"]["seconds"] == 0.5
    assert after["full"]["figures"]["notifier"] == before["full"]["figures"]["notifier"]
    assert after["full"]["figures"]["evaluate"] == before["full"]["figures"]["evaluate"]
    assert after["quick"] == before["quick"]
    assert after["full"]["machine"] == "a machine"
    text = doc.read_text(encoding="utf-8")
    assert text.split(figures.BEGIN)[0] == figures.DOC.read_text(
        encoding="utf-8").split(figures.BEGIN)[0]
