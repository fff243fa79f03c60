"""Network sources: each knows one network's API and nothing of Django models."""

from archive.sources.base import (
    NormalisedAccount,
    NormalisedPost,
    Page,
    Publisher,
    PublishRefused,
    PullQuery,
    RateLimited,
    SkippedItem,
    Source,
    SourceAuthError,
    SourceError,
    SourceUnavailable,
)

__all__ = [
    "NormalisedAccount",
    "NormalisedPost",
    "Page",
    "PublishRefused",
    "Publisher",
    "PullQuery",
    "RateLimited",
    "SkippedItem",
    "Source",
    "SourceAuthError",
    "SourceError",
    "SourceUnavailable",
]
