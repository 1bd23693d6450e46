"""The benchmark suite: a million tickets against the budgets of the console.

``python -m benchmarks`` (``--help`` for the options) builds or reuses demo databases,
measures every figure in one run, prints a table with each budget and whether it holds,
and writes the figures as JSON.  ``benchmarks/RESULTS.md`` records the latest full run.
"""
