from flask import Flask, jsonify

from tasks import render_report

app = Flask(__name__)


@app.get("/")
def index():
    return jsonify(task=render_report.name)
