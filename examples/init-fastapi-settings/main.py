from fastapi import FastAPI

from settings import settings

app = FastAPI(title="billing")


@app.get("/")
def index() -> dict[str, object]:
    return {"service": "billing", "environment": settings.environment,
            "page_size": settings.page_size}


@app.get("/invoices/{number}")
def invoice(number: int) -> dict[str, object]:
    return {"number": number, "contact": settings.support_email}
