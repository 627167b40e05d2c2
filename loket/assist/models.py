"""The assistant's models (each group in its own module)."""

from loket.assist.models_reading import (
    AssistSettings,
    CustomerProfile,
    MessageReading,
    Register,
)
from loket.assist.models_secrets import HiddenSecrets
from loket.assist.models_triage import (
    SuggestionStatus,
    TriageField,
    TriageModel,
    TriageSettings,
    TriageSuggestion,
)

__all__ = [
    "AssistSettings",
    "CustomerProfile",
    "HiddenSecrets",
    "MessageReading",
    "Register",
    "SuggestionStatus",
    "TriageField",
    "TriageModel",
    "TriageSettings",
    "TriageSuggestion",
]
