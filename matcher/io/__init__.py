"""Reading and validating scenario files."""

from matcher.io.errors import Problem, ScenarioError
from matcher.io.load import load_scenario, scenario_from_document

__all__ = ["Problem", "ScenarioError", "load_scenario", "scenario_from_document"]
