"""Article search index: FTS5 with triggers on SQLite, a generated tsvector + GIN on PostgreSQL.

Both index the pre-analysed columns ``search_title`` and ``search_body`` (stemmed in Python, see
``loket.kb.languages``), so both backends match the same terms. Either index changes in the
same transaction as the row it indexes.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE kb_translation_fts USING fts5(
        search_title, search_body, content='kb_translation', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER kb_translation_fts_ai AFTER INSERT ON kb_translation BEGIN
        INSERT INTO kb_translation_fts(rowid, search_title, search_body)
        VALUES (new.id, new.search_title, new.search_body); END""",
    """CREATE TRIGGER kb_translation_fts_ad AFTER DELETE ON kb_translation BEGIN
        INSERT INTO kb_translation_fts(kb_translation_fts, rowid, search_title, search_body)
        VALUES ('delete', old.id, old.search_title, old.search_body); END""",
    """CREATE TRIGGER kb_translation_fts_au AFTER UPDATE OF search_title, search_body
        ON kb_translation BEGIN
        INSERT INTO kb_translation_fts(kb_translation_fts, rowid, search_title, search_body)
        VALUES ('delete', old.id, old.search_title, old.search_body);
        INSERT INTO kb_translation_fts(rowid, search_title, search_body)
        VALUES (new.id, new.search_title, new.search_body); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS kb_translation_fts_ai",
    "DROP TRIGGER IF EXISTS kb_translation_fts_ad",
    "DROP TRIGGER IF EXISTS kb_translation_fts_au",
    "DROP TABLE IF EXISTS kb_translation_fts",
]
PG_FORWARD = [
    """ALTER TABLE kb_translation ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', search_title), 'A')
        || setweight(to_tsvector('simple', search_body), 'B')) STORED""",
    "CREATE INDEX kb_translation_search ON kb_translation USING gin (search_vector)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS kb_translation_search",
    "ALTER TABLE kb_translation DROP COLUMN IF EXISTS search_vector",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE_FORWARD, "postgresql": PG_FORWARD}.get(vendor, []):
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE_BACKWARD, "postgresql": PG_BACKWARD}.get(vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("kb", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
