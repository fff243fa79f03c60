"""The networks the archive reads: one name each, for the models and for the sources.

Here rather than in archive.models so that sources, which know their network's API and
nothing of Django models, can name their network too. A TextChoices is a plain str enum
(Network.X == "x"): importing it loads no model and needs no app registry.
"""

from django.db.models import TextChoices


class Network(TextChoices):
    X = "x", "X"
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"
