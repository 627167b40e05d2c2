"""The database cache's table (``loket_cache``): rate limits and sign-in throttling live there
unless LOKET_REDIS_URL moves them to Redis. Made by ``loket migrate`` itself, so a node started
with only ``loket migrate`` + ``loket web`` (no ``loket run``, no demo) has it too."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # Idempotent: tables that exist are left alone; caches that are not in the database
    # (Redis) need none.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("jobs", "0003_secretkeystamp")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
