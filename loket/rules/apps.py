from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RulesConfig(AppConfig):
    """Request types, custom fields, organisation kinds, automation rules and approvals."""

    name = "loket.rules"
    label = "rules"
    verbose_name = _("Request types and rules")

    def ready(self) -> None:
        from loket.lib.settings_menu import Section, register
        from loket.rules import hooks_types
        from loket.rules.approval_texts import ready as approvals_ready
        from loket.rules.automation import setup as automation_setup

        hooks_types.connect()
        from loket.rules.templatetags.approvals import pending_marks
        from loket.tickets.inbox_rows import add_marks

        add_marks(pending_marks)
        automation_setup.ready()
        approvals_ready()
        register(
            Section(
                "request-types",
                _("Request types and fields"),
                _("The kinds of request customers choose from, each with its own form."),
                "rules_types:types",
                audience="admin",
                group=_("Desk"),
                order=55,
            )
        )
        register(
            Section(
                "organisation-kinds",
                _("Organisation kinds"),
                _("Partners, site owners and others: their landing text, types, help and SLA."),
                "rules_types:kinds",
                audience="admin",
                group=_("Desk"),
                order=56,
            )
        )
