"""The four workflows as pure data and decisions: states, slots, due actions.

Nothing here reads the clock: ``now`` and ``as_of`` are passed in. The legal
windows come from the rules engine (``domain.rules``); this package only
decides what happens inside them.
"""

from __future__ import annotations
