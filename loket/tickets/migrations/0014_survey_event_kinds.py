# Adds the satisfaction-survey event kinds (choices only: no schema change, so the SQLite
# FTS triggers are untouched).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0013_sender_confirmation'),
    ]

    operations = [
        migrations.AlterField(
            model_name='event',
            name='kind',
            field=models.CharField(choices=[('created', 'created the ticket'), ('message', 'added a message'), ('state', 'changed the state'), ('priority', 'changed the priority'), ('tier', 'changed the tier'), ('team', 'moved to another team'), ('assignee', 'changed the assignee'), ('subject', 'changed the subject'), ('tags', 'changed the tags'), ('escalated', 'escalated'), ('merged', 'merged'), ('merged_into', 'merged into another ticket'), ('linked', 'linked a ticket'), ('no_reply_needed', 'marked as needing no reply'), ('customer', 'changed the customer'), ('sla_warning', 'SLA warning'), ('sla_breach', 'SLA breached'), ('alarm', 'raised the unanswered-message alarm'), ('still_working', 'sent a still-working reminder'), ('sender_confirmed', "confirmed the sender's address"), ('survey_sent', 'sent the satisfaction survey'), ('rated', 'rated the service'), ('rating_handled', 'followed up the rating')], max_length=20),
        ),
    ]
