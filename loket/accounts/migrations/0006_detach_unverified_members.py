"""Before organisation consent, signing up with an address at an organisation's domain joined
that organisation at once, verified or not. Such members who never proved their address leave
the organisation here (each with an audit entry); their own tickets stay theirs, and an
invitation, or joining by domain once switched on and the address is verified, brings them
back. Existing organisations keep joining by domain off (the field's default)."""

from django.db import migrations


def detach(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    AuditEntry = apps.get_model("accounts", "AuditEntry")
    EmailAddress = apps.get_model("account", "EmailAddress")
    members = User.objects.filter(role="customer", organisation__isnull=False)
    for user in members.iterator():
        states = set(
            EmailAddress.objects.filter(user_id=user.pk, email=user.email.lower()).values_list(
                "verified", flat=True
            )
        )
        if states != {False}:
            continue  # verified, or made by the desk itself (no sign-up record)
        organisation_id = user.organisation_id
        user.organisation_id = None
        user.is_organisation_admin = False
        user.save(update_fields=["organisation", "is_organisation_admin"])
        AuditEntry.objects.create(
            subject_id=user.pk,
            action="organisation_member_detached",
            data={"organisation": organisation_id, "reason": "address never verified"},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_organisation_consent"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(detach, migrations.RunPython.noop)]
