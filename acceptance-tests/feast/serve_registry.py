"""Run the real `feast serve_registry` for the tests, with two changes that touch no Feast code.

- The server binds 127.0.0.1 instead of `[::]` (Feast hard-codes the wildcard address; the
  tests' servers listen on loopback only).
- Every RPC the server answers is logged as `RPC <method>` on stderr, so a test can count
  the calls a plan made (a server interceptor added beside Feast's own).

Usage: python serve_registry.py <feast CLI arguments>, e.g. `serve_registry -p 6570`,
in the directory of the feature repo (its feature_store.yaml).
"""

import sys

import grpc

_server = grpc.server


class _Log(grpc.ServerInterceptor):
    def intercept_service(self, continuation, details):
        print(f"RPC {details.method}", file=sys.stderr, flush=True)
        return continuation(details)


def _loopback_server(*args, **kwargs):
    interceptors = list(kwargs.pop("interceptors", None) or [])
    server = _server(*args, interceptors=[_Log(), *interceptors], **kwargs)
    for name in ("add_insecure_port", "add_secure_port"):
        bind = getattr(server, name)

        def on_loopback(address, *rest, _bind=bind):
            return _bind(address.replace("[::]", "127.0.0.1"), *rest)

        setattr(server, name, on_loopback)
    return server


grpc.server = _loopback_server

from feast.cli.cli import cli  # noqa: E402  (after the patch: Feast imports grpc.server)

sys.exit(cli(sys.argv[1:]))
