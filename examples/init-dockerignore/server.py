from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/")
def index():
    return jsonify(ok=True, service="notes")


@app.get("/echo/<word>")
def echo(word: str):
    return jsonify(echo=word)
