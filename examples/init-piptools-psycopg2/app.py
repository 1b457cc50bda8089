import os

import psycopg2
from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/")
def index():
    return jsonify(ok=True)


@app.get("/driver")
def driver():
    """The driver loads libpq from the final image (no database needed for this)."""
    return jsonify(psycopg2=psycopg2.__version__,
                   libpq=psycopg2.extensions.libpq_version(),
                   database=os.environ.get("DATABASE_URL", "").split("@")[-1])
