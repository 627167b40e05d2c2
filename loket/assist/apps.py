from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistConfig(AppConfig):
    """The local assistant: reads messages (language, register, mood, urgency, questions,
    secrets), checks drafts, suggests triage and replies. No outside AI service."""

    name = "loket.assist"
    label = "assist"
    verbose_name = _("Assistant")
