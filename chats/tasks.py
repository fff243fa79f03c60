"""The schedule's periodic work; beat runs both, and each is safe to run twice."""

from celery import shared_task

from chats.services.reminders import reminders_send_due
from chats.services.schedule import series_generate_all


# Overlapping runs and retries are harmless: the service sends each reminder once.
@shared_task(autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=300, max_retries=5)
def send_due_reminders() -> int:
    """Beat, every minute: send the reminders that have come due."""
    return reminders_send_due()


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def generate_all_occurrences() -> int:
    """Beat: keep every active series generated CHAT_GENERATION_WEEKS ahead."""
    return series_generate_all()
