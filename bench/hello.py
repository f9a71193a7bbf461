"""The smallest Flask app, served with the same gunicorn settings as the real one (the baseline)."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, world!"


@app.get("/healthz")
def healthz():
    return "ok"
