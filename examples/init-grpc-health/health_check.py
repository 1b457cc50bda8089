"""A gRPC health probe client (what the kubelet's native grpc probe asks)."""

import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

with grpc.insecure_channel(sys.argv[1] if len(sys.argv) > 1 else "localhost:50051") as ch:
    reply = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=3)
    print(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))
