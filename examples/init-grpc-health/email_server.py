"""The mail service: a raw-bytes unary method and the standard gRPC health service."""

import os
import signal
import threading
from concurrent import futures

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc


def send(request: bytes, context: grpc.ServicerContext) -> bytes:
    return b"queued:" + request


def serve() -> None:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    handler = grpc.method_handlers_generic_handler(
        "mail.Mailer", {"Send": grpc.unary_unary_rpc_method_handler(send)})
    server.add_generic_rpc_handlers((handler,))
    checks = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(checks, server)
    port = os.environ.get("PORT", "50051")
    server.add_insecure_port(f"[::]:{port}")
    server.start()
    checks.set("", health_pb2.HealthCheckResponse.SERVING)
    stopped = threading.Event()

    def on_sigterm(signum: int, frame: object) -> None:
        checks.enter_graceful_shutdown()
        server.stop(grace=5).wait()
        stopped.set()

    signal.signal(signal.SIGTERM, on_sigterm)
    stopped.wait()


if __name__ == "__main__":
    serve()
