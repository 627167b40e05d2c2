"""The inbox's badge counts kept by the database (``loket.tickets.queue_counts``).

Additive: a new table, triggers on tickets and messages that insert delta rows into it, and
the counts of the existing rows written once. Dropping the triggers (backwards) leaves the
tickets and messages as they were.
"""

from django.db import migrations, models

from loket.tickets import queue_counts


def forward(apps, schema_editor):
    queue_counts.install_triggers(schema_editor)
    table = queue_counts.TABLE
    schema_editor.execute(f"DELETE FROM {table}")
    schema_editor.execute(
        f"INSERT INTO {table} (queue, team_id, assignee_id, n) "
        f"SELECT * FROM ({queue_counts.RAW_SQL}) AS raw"
    )


def backward(apps, schema_editor):
    queue_counts.remove_triggers(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0020_approval_event_kinds")]
    operations = [
        migrations.CreateModel(
            name="QueueCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("queue", models.CharField(max_length=12)),
                ("team_id", models.IntegerField(null=True)),
                ("assignee_id", models.IntegerField(null=True)),
                ("n", models.IntegerField()),
            ],
            options={
                "db_table": "tickets_ticketqueuecount",
                "indexes": [
                    models.Index(fields=["team_id", "assignee_id", "queue", "n"], name="queuecount_team"),
                    models.Index(fields=["assignee_id", "queue", "n"], name="queuecount_assignee"),
                ],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
