"""The widget's texts, translated on the server (the widget fetches them with its settings)."""

from __future__ import annotations

from django.utils.translation import gettext as _


def widget_texts() -> dict[str, str]:
    return {
        "open": _("Chat with us"),
        "title": _("Chat"),
        "close": _("Close the chat"),
        "name": _("Your name"),
        "email": _("Your e-mail address"),
        "message": _("Your message"),
        "start": _("Start the chat"),
        "send": _("Send"),
        "online": _("We are online and answer within minutes."),
        "offline": _(
            "Nobody is available right now. Leave a message and we will answer by e-mail, "
            "usually within one working day."
        ),
        "typing": _("%(name)s is typing…"),
        "someone_typing": _("Someone is typing…"),
        "answering": _("%(name)s is answering your questions."),
        "you": _("You"),
        "closed": _("This conversation has ended. Write again to open a new one."),
        "failed": _("Your message could not be sent. Try again."),
        "busy": _("Too many messages in a short time. Wait a minute and try again."),
        "log": _("Conversation"),
        "new": _("New conversation"),
        "attach": _("Attach a file"),
        "download": _("Download %(name)s"),
        "read": _("Read"),
        "transcript": _("E-mail me this conversation"),
        "transcript_sent": _("The conversation is on its way to your e-mail address."),
        "dismiss": _("Hide this greeting"),
        "end": _("End the chat"),
        "rate": _("How well were you helped?"),
        "thanks": _("Thank you for your rating."),
        "comment": _("Anything you want to tell us? (optional)"),
        "send_comment": _("Send comment"),
        "comment_thanks": _("Thank you: we read every comment."),
    }
