"""The demo's live chat: beat replays its recording every 15 s so the chat fills up.

Scheduled only when settings.ARCHIVE_DEMO_REPLAY is on (`make run`); without a demo
chat, as in production, the task finds nothing to do.
"""

from celery import shared_task

from demo.chat import demo_keep_live


@shared_task
def replay_demo_chat() -> int:
    """Store the recorded posts of every live demo chat whose time has come.

    A demo chat that has ended moves to now first, so `make run` keeps a live chat for as
    long as it runs, not only for the hour after it started.
    """
    return demo_keep_live()
