"""Indexes the reports' period filters need on the ticket and message tables.

Plain ``CREATE INDEX`` (no table rebuild, so the SQLite search triggers are untouched). They
belong to the tickets app's tables: the tickets app may take them over into its models' Meta
(same names) later.
"""

from django.db import migrations

INDEXES = {
    "reports_ticket_created": "tickets_ticket (created_at)",
    "reports_ticket_resolved": "tickets_ticket (resolved_at)",
    "reports_message_kind_created": "tickets_message (kind, created_at)",
}


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("tickets", "0014_survey_event_kinds"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON {target}",
            f"DROP INDEX IF EXISTS {name}",
        )
        for name, target in INDEXES.items()
    ]
