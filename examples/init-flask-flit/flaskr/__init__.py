"""Flask factory in the tutorial's layout: configuration and a SQLite file in the instance
folder, which sits next to the package and must be writable."""

import os
import sqlite3

from flask import Flask, jsonify


def create_app() -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DATABASE=os.path.join(app.instance_path, "flaskr.sqlite"))
    os.makedirs(app.instance_path, exist_ok=True)

    @app.get("/")
    def index():
        return jsonify(app="flaskr", ok=True)

    @app.post("/visits")
    def visit():
        with sqlite3.connect(app.config["DATABASE"]) as db:
            db.execute("CREATE TABLE IF NOT EXISTS visits (at TEXT)")
            db.execute("INSERT INTO visits VALUES (datetime('now'))")
            count = db.execute("SELECT count(*) FROM visits").fetchone()[0]
        return jsonify(visits=count)

    return app
