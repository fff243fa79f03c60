"""The fake Bluesky PDS/AppView (tests/fakes/bluesky_api.py) for every test here."""

from tests.fakes.bluesky_api import bluesky_api

__all__ = ["bluesky_api"]
