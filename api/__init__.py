"""HTTP service around the matcher: stored scenarios, solve jobs, suggestions, re-planning.

Only HTTP, persistence and access control live here; every answer about
placements comes from the engine in ``matcher``.
"""
