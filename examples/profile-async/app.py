"""Async FastAPI app: every request awaits 50 ms of simulated I/O on the event loop.

Run: uvicorn --app-dir examples/profile-async app:app
Expect: one event loop serves many concurrent requests; one worker per CPU is enough.
"""

import asyncio

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def index() -> dict[str, bool]:
    await asyncio.sleep(0.05)
    return {"ok": True}
