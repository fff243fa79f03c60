from django.db import migrations


def create_gin_index(apps, schema_editor):
    # Containment look-ups (hashtags @> '["kmers"]') use this; SQLite has no GIN.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS chats_post_hashtags_gin "
            "ON chats_post USING GIN (hashtags jsonb_path_ops)"
        )


def drop_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS chats_post_hashtags_gin")


class Migration(migrations.Migration):
    dependencies = [("chats", "0002_archive")]

    operations = [migrations.RunPython(create_gin_index, drop_gin_index)]
