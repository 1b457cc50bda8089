from fastapi import FastAPI

from inventory.store import STOCK

app = FastAPI(title="inventory")


@app.get("/")
def index() -> dict[str, int]:
    return {"items": len(STOCK)}


@app.get("/items/{sku}")
def item(sku: str) -> dict[str, object]:
    return {"sku": sku, "count": STOCK.get(sku, 0)}
