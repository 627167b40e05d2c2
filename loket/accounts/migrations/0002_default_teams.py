"""Every desk starts with one team per tier, so tickets and escalations always have a home."""

from django.db import migrations

TEAMS = [("First line", 1), ("Second line", 2), ("Management", 3)]


def forward(apps, schema_editor):
    Team = apps.get_model("accounts", "Team")
    for name, tier in TEAMS:
        if not Team.objects.filter(tier=tier).exists():
            Team.objects.create(name=name, tier=tier, is_default_for_tier=True)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
