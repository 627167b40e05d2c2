# A public reply's Cc as the agent chose it (null: decided automatically when sending).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0011_still_working_event_kind'),
    ]

    operations = [
        migrations.AddField(
            model_name='message',
            name='cc',
            field=models.JSONField(blank=True, default=None, null=True, verbose_name='Cc'),
        ),
    ]
