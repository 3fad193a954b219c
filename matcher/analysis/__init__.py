"""Policy analysis on top of the matcher: ratio sweeps, fixes for unmatched
students, the marginal value of workplaces, and a report for consultants.

Nothing here changes how a plan is solved: every number comes from solving
(modified copies of) a scenario with ``matcher.pipeline.run_solve``.
"""
