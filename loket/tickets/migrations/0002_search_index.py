"""Full-text search: FTS5 with triggers on SQLite, GIN expression indexes on PostgreSQL."""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE tickets_message_fts USING fts5(
        body, content='tickets_message', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER tickets_message_fts_ai AFTER INSERT ON tickets_message BEGIN
        INSERT INTO tickets_message_fts(rowid, body) VALUES (new.id, new.body); END""",
    """CREATE TRIGGER tickets_message_fts_ad AFTER DELETE ON tickets_message BEGIN
        INSERT INTO tickets_message_fts(tickets_message_fts, rowid, body)
        VALUES ('delete', old.id, old.body); END""",
    """CREATE TRIGGER tickets_message_fts_au AFTER UPDATE OF body ON tickets_message BEGIN
        INSERT INTO tickets_message_fts(tickets_message_fts, rowid, body)
        VALUES ('delete', old.id, old.body);
        INSERT INTO tickets_message_fts(rowid, body) VALUES (new.id, new.body); END""",
    """CREATE VIRTUAL TABLE tickets_ticket_fts USING fts5(
        subject, content='tickets_ticket', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER tickets_ticket_fts_ai AFTER INSERT ON tickets_ticket BEGIN
        INSERT INTO tickets_ticket_fts(rowid, subject) VALUES (new.id, new.subject); END""",
    """CREATE TRIGGER tickets_ticket_fts_ad AFTER DELETE ON tickets_ticket BEGIN
        INSERT INTO tickets_ticket_fts(tickets_ticket_fts, rowid, subject)
        VALUES ('delete', old.id, old.subject); END""",
    """CREATE TRIGGER tickets_ticket_fts_au AFTER UPDATE OF subject ON tickets_ticket BEGIN
        INSERT INTO tickets_ticket_fts(tickets_ticket_fts, rowid, subject)
        VALUES ('delete', old.id, old.subject);
        INSERT INTO tickets_ticket_fts(rowid, subject) VALUES (new.id, new.subject); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS tickets_message_fts_ai",
    "DROP TRIGGER IF EXISTS tickets_message_fts_ad",
    "DROP TRIGGER IF EXISTS tickets_message_fts_au",
    "DROP TABLE IF EXISTS tickets_message_fts",
    "DROP TRIGGER IF EXISTS tickets_ticket_fts_ai",
    "DROP TRIGGER IF EXISTS tickets_ticket_fts_ad",
    "DROP TRIGGER IF EXISTS tickets_ticket_fts_au",
    "DROP TABLE IF EXISTS tickets_ticket_fts",
]
PG_FORWARD = [
    "CREATE INDEX message_body_fts ON tickets_message USING gin (to_tsvector('simple', body))",
    "CREATE INDEX ticket_subject_fts ON tickets_ticket USING gin (to_tsvector('simple', subject))",
]
PG_BACKWARD = ["DROP INDEX IF EXISTS message_body_fts", "DROP INDEX IF EXISTS ticket_subject_fts"]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE_FORWARD, "postgresql": PG_FORWARD}.get(vendor, []):
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE_BACKWARD, "postgresql": PG_BACKWARD}.get(vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
