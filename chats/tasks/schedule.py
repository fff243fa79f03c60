from celery import shared_task

from chats.services.schedule import series_generate_all


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def generate_all_occurrences() -> int:
    """Beat: keep every active series generated CHAT_GENERATION_WEEKS ahead."""
    return series_generate_all()
