import os

from celery import Celery

celery_app = Celery("reports", broker=os.environ["CELERY_BROKER_URL"])


@celery_app.task
def render_report(number: int) -> str:
    return f"report {number}"
