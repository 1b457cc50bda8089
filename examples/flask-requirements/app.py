"""A small Flask API: the smallest real app `podfit init` turns into a deployment."""

import os
import platform

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/")
def index():
    return jsonify(app="flask-requirements", python=platform.python_version(),
                   pid=os.getpid())


@app.get("/items/<int:item_id>")
def item(item_id: int):
    return jsonify(id=item_id, name=f"item {item_id}")
