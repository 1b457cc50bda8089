"""Settings read from the environment at import: the app does not start without them."""

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BILLING_")

    database_url: str
    stripe_api_key: str
    webhook_secret: str
    environment: str
    support_email: str
    page_size: int = 50


settings = Settings()
