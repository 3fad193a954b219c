"""Policy analysis on top of the matcher: ratio sweeps, fixes for unmatched
students, the marginal value of workplaces, and a report for consultants.

Nothing here changes how a plan is solved: every number comes from solving
(modified copies of) a scenario with ``matcher.pipeline.run_solve``.
"""

# Seats per student a sweep tries by default (here, so the command line can
# show it without importing the sweep).
DEFAULT_RATIOS = (0.6, 0.8, 1.0, 1.2, 1.5, 2.0, 3.0)
