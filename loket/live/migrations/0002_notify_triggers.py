"""PostgreSQL only: every INSERT into the ticket events, SLA notifications and live signals
sends ``NOTIFY loket_live, '<feed>:<id>,<id>…'`` (ids only, at most 400 per message so the
payload stays under PostgreSQL's 8,000 bytes). See ``loket.live.publish``."""

from django.db import migrations

TABLES = {"e": "tickets_event", "n": "sla_notification", "s": "live_signal"}

FUNCTION = """
CREATE OR REPLACE FUNCTION loket_live_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    chunk text;
BEGIN
    FOR chunk IN
        SELECT string_agg(id::text, ',' ORDER BY id)
        FROM (SELECT id, (row_number() OVER (ORDER BY id) - 1) / 400 AS grp FROM new_rows) AS numbered
        GROUP BY grp
        ORDER BY grp
    LOOP
        PERFORM pg_notify('loket_live', TG_ARGV[0] || ':' || chunk);
    END LOOP;
    RETURN NULL;
END
$$;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for feed, table in TABLES.items():
        schema_editor.execute(
            f"CREATE TRIGGER loket_live_{feed} AFTER INSERT ON {table} "
            "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
            f"EXECUTE FUNCTION loket_live_notify('{feed}')"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for feed, table in TABLES.items():
        schema_editor.execute(f"DROP TRIGGER IF EXISTS loket_live_{feed} ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS loket_live_notify()")


class Migration(migrations.Migration):
    dependencies = [
        ("live", "0001_initial"),
        ("tickets", "0012_message_cc"),
        ("sla", "0004_backfill_quiet_since"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
