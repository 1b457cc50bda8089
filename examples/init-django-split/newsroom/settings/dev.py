from newsroom.settings.base import *  # noqa: F403

DEBUG = True
SECRET_KEY = "dev-only"
ALLOWED_HOSTS = ["*"]
