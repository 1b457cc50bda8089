#!/bin/sh
set -e
IMAGE=acme/voting-worker
cd "$(dirname "$0")/.."
podman build -t "${IMAGE}:${TAG:-dev}" ./worker && podman push "$IMAGE"
