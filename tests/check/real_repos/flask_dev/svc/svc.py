import os

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index() -> str:
    return "ok"


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "8080")), debug=True)
