"""The rules app's models (the automation rules live in ``models_automation``)."""

from loket.rules.models_automation import Firing, GuardTrip, Rule, TimedMark, Trigger

__all__ = ["Firing", "GuardTrip", "Rule", "TimedMark", "Trigger"]
