"""Reminder emails; beat runs this every minute."""

from celery import shared_task

from chats.services.reminders import reminders_send_due


# Overlapping runs and retries are harmless: the service sends each reminder once.
@shared_task(autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=300, max_retries=5)
def send_due_reminders() -> int:
    return reminders_send_due()
