from urllib.parse import urlsplit

from django.conf import settings
from django.db import migrations


def name_the_site(apps, schema_editor):
    # The sites framework starts as "example.com", which allauth puts in every email's
    # subject and which "view on site" links would use.
    site_model = apps.get_model("sites", "Site")
    domain = urlsplit(settings.SITE_URL).netloc or "localhost"
    site_model.objects.update_or_create(
        pk=settings.SITE_ID, defaults={"domain": domain, "name": "Hashtag Commons"}
    )


class Migration(migrations.Migration):
    dependencies = [("community", "0003_pull_settings"), ("sites", "0002_alter_domain_unique")]

    operations = [migrations.RunPython(name_the_site, migrations.RunPython.noop)]
