"""Relais benchmarks: the production server under load on loopback.

``python -m bench.run`` (``make bench``) runs every registered benchmark,
prints a table, merges the figures into ``bench/results.json`` and exits
non-zero when a target is missed. ``--quick`` runs shorter (``make
bench-quick``). Each benchmark is a module with ``run(quick) -> dict`` and
``check(result) -> list[str]``; see :mod:`bench.run`.
"""
