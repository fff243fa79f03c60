"""Signals the members app sends, for the apps that build on it."""

from django.dispatch import Signal

# Sent with user (None when unlinked) and x_user_id whenever X tells us which member an
# X account belongs to, or that it no longer belongs to one. The archive relinks that
# account's posts; members knows nothing of posts.
x_account_linked = Signal()
