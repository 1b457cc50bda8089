"""A small Flask shop API: the kind of app podfit is for."""

from flask import Flask, jsonify

app = Flask(__name__)
PRODUCTS = {1: {"name": "mug", "price": 9.5}, 2: {"name": "shirt", "price": 21.0}}


@app.get("/healthz")
def healthz():
    return {"ok": True}


@app.get("/products")
def products():
    return jsonify(list(PRODUCTS.values()))


@app.get("/products/<int:product_id>")
def product(product_id: int):
    item = PRODUCTS.get(product_id)
    return (jsonify(item), 200) if item else ({"error": "not found"}, 404)
