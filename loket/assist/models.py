"""The assistant's models (each group in its own module)."""

from loket.assist.models_secrets import HiddenSecrets
from loket.assist.models_triage import (
    SuggestionStatus,
    TriageField,
    TriageModel,
    TriageSettings,
    TriageSuggestion,
)

__all__ = [
    "HiddenSecrets",
    "SuggestionStatus",
    "TriageField",
    "TriageModel",
    "TriageSettings",
    "TriageSuggestion",
]
