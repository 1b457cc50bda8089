# podfit.runtime tests: real gunicorn/uvicorn/celery come from the venv and the load client is
# Python; they need root and writable cgroup v1 controllers, but no extra apt package.
APT_PACKAGES=()
