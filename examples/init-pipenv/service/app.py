import os

from flask import Flask, jsonify

app = Flask(__name__)
app.secret_key = os.environ["SESSION_SECRET"]


@app.get("/")
def index():
    return jsonify(greeting=os.environ.get("GREETING", "hi"))
