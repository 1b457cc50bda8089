"""Sends one message to the mail service (runs once, then exits: not a server)."""

import os
import sys

import grpc


def send(target: str, text: str) -> str:
    with grpc.insecure_channel(target) as channel:
        call = channel.unary_unary("/mail.Mailer/Send")
        return call(text.encode(), timeout=5).decode()


if __name__ == "__main__":
    target = os.environ.get("MAILER_TARGET", "localhost:50051")
    print(send(target, sys.argv[1] if len(sys.argv) > 1 else "hello"))
