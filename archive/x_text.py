"""X's own rules for a post's text (twitter-text): weighted length, links as X finds them.

twitter-text-parser 3.0 reads its emoji table with `pkg_resources`, which came with
setuptools and is not installed here (setuptools left the default environment, and its
newest releases drop pkg_resources). Rather than depend on setuptools for one call, a
stand-in with that one function is registered when the real module is missing; with
setuptools installed the real one is used.
"""

import importlib.resources
import importlib.util
import sys
import types

if importlib.util.find_spec("pkg_resources") is None:
    _shim = types.ModuleType("pkg_resources")

    def _resource_string(package: str, name: str) -> bytes:
        return importlib.resources.files(package).joinpath(name).read_bytes()

    _shim.resource_string = _resource_string  # type: ignore[attr-defined]
    sys.modules["pkg_resources"] = _shim

from twitter_text import extract_urls, extract_urls_with_indices, parse_tweet

__all__ = ["extract_urls", "extract_urls_with_indices", "parse_tweet"]
