from loket.assist.models_triage import (  # noqa: F401
    SuggestionStatus,
    TriageField,
    TriageModel,
    TriageSettings,
    TriageSuggestion,
)
