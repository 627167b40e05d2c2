from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "loket.mail"
    label = "mail"
    verbose_name = _("E-mail")

    def ready(self) -> None:
        from loket.jobs.scheduler import PERIODIC, Periodic

        if not any(job.name == "poll-mailboxes" for job in PERIODIC):
            PERIODIC.append(Periodic("poll-mailboxes", "loket.mail.tasks.poll_mailboxes", 60))
        from loket.mail import notices  # noqa: F401  (connects the closing-notice receiver)
