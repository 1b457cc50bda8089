from fastapi import FastAPI

app = FastAPI(title="acme-api")


@app.get("/")
def index() -> dict[str, str]:
    return {"service": "acme-api"}


@app.get("/orders/{number}")
def order(number: int) -> dict[str, int]:
    return {"order": number}
