"""What-ifs: a consultant's changes to a scenario, made on its tables as read.

A change file (``changes.yaml``) names workplaces, mentors and students by id
(``matcher.whatif.changes``); applying it to the scenario's tables gives a new
scenario version that the normal loader validates (``matcher.whatif.apply``).
"""
