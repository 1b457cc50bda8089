"""A FastAPI service: async handlers, served by uvicorn through podfit.runtime."""

import asyncio

from fastapi import FastAPI

app = FastAPI(title="shop")

PRODUCTS = {1: "kettle", 2: "teapot", 3: "mug"}


@app.get("/")
async def index() -> dict[str, object]:
    return {"app": "fastapi-uv", "products": len(PRODUCTS)}


@app.get("/products/{product_id}")
async def product(product_id: int) -> dict[str, object]:
    await asyncio.sleep(0)  # stands in for a database call
    return {"id": product_id, "name": PRODUCTS.get(product_id, "unknown")}
