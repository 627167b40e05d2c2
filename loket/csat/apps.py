from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CsatConfig(AppConfig):
    name = "loket.csat"
    label = "csat"
    verbose_name = _("Customer satisfaction")

    def ready(self) -> None:
        from loket.csat import receivers  # noqa: F401  (connects the solved-ticket receiver)
        from loket.csat.display import describe_event
        from loket.tickets.models import EventKind
        from loket.tickets.timeline import register_describer

        for kind in (EventKind.SURVEY_SENT, EventKind.RATED, EventKind.RATING_HANDLED):
            register_describer(kind, describe_event)
