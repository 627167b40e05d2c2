from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from loket.training.models import CRITERIA, CRITERIA_LABELS, Exercise

SCORE_CHOICES = [(str(n), str(n)) for n in range(1, 6)]
HINTS = {
    "correct": _("The facts and the solution are right."),
    "complete": _("Every question of the customer is answered; nothing left to ask again."),
    "register": _("Je or u as the customer writes; the customer's language."),
    "tone": _("Friendly, calm and clear; no jargon."),
    "speed": _("Answered in good time for its urgency."),
}


class ExerciseForm(forms.ModelForm[Exercise]):
    language = forms.ChoiceField(label=_("Language"), choices=())

    class Meta:
        model = Exercise
        fields = ["title", "language", "customer_message", "reference_answer"]
        widgets = {
            "customer_message": forms.Textarea(attrs={"rows": 8}),
            "reference_answer": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = self.fields["language"]
        assert isinstance(language, forms.ChoiceField)
        language.choices = list(settings.LANGUAGES)


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment for the agent"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for criterion in CRITERIA:
            self.fields[criterion] = forms.ChoiceField(
                label=CRITERIA_LABELS[criterion],
                help_text=HINTS[criterion],
                choices=SCORE_CHOICES,
                widget=forms.RadioSelect(attrs={"class": "scores"}),
                error_messages={"required": _("Give a score from 1 to 5.")},
            )
        self.order_fields([*CRITERIA, "comment"])
