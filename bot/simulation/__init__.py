"""The simulator: deals through a policy in virtual time (``dealdesk simulate``).

A scenario (bot.simulation.scenario) names deals and how people answer; the runner
(bot.simulation.runner) drives the real workflow engine on a real database with a
virtual clock; the report (bot.simulation.report) is read back from the audit log and
the approval rows (bot.simulation.reading) and drawn by bot.simulation.render.
"""

from bot.simulation.report import Report
from bot.simulation.runner import SimulationError
from bot.simulation.scenario_file import (
    LoadedScenario,
    ScenarioError,
    bundled_scenario_path,
    load_scenario_file,
)
from bot.simulation.simulator import simulate

__all__ = [
    "LoadedScenario",
    "Report",
    "ScenarioError",
    "SimulationError",
    "bundled_scenario_path",
    "load_scenario_file",
    "simulate",
]
