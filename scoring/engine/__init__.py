"""Speed, not rules: integer codes of id columns, grouped sorts, anchored windows, clamped
running totals, per-shop tallies, threads, memory tuning, stage timing and the Dask engine.
Each primitive says in its docstring what it computes; tests/test_engine_primitives.py holds
each against a plain loop."""
