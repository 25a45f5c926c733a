"""``bench/results.json``: one section per benchmark, merged, never clobbered."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results.json"


def load(path: Path = RESULTS) -> dict[str, Any]:
    """The stored results; empty when the file is missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        print(f"warning: {path} unreadable ({exc}); starting afresh")
        return {}
    return data if isinstance(data, dict) else {}


def merge(sections: dict[str, Any], path: Path = RESULTS) -> dict[str, Any]:
    """Read, replace the given sections, keep every other one, write atomically."""
    data = load(path)
    data.update(sections)
    handle, tmp = tempfile.mkstemp(prefix=".results-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=2, ensure_ascii=False)
            out.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return data
