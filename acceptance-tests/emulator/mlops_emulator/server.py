"""Command line entry point: ``python -m mlops_emulator --host 127.0.0.1 --port 0``.

Serves moto's server application (``DomainDispatcherApplication`` over
``create_backend_app``, the same app ``moto_server`` and ``ThreadedMotoServer``
run) behind :class:`~mlops_emulator.middleware.EmulatorMiddleware`, on a
loopback address only.  When the socket is listening it writes the port to
``--port-file`` (atomically) and prints exactly one line
``MLOPS_EMULATOR_READY port=<N>`` to stdout.  SIGTERM and SIGINT stop it
cleanly with exit status 0.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import sys
import threading
from typing import Any, Sequence

READY_PREFIX = "MLOPS_EMULATOR_READY"


class _Shutdown(Exception):
    pass


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_app() -> Any:
    """moto's dispatcher app with the service extensions and our middleware."""
    from moto.moto_api._internal.models import moto_api_backend
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from . import (
        autoscaling_ext,
        events_ext,
        iam_ext,
        sagemaker_endpoint_ext,
        sagemaker_ext,
        sagemaker_feature_store_ext,
        sagemaker_monitor_ext,
        sagemaker_pipeline_ext,
        sagemaker_processing_ext,
        sns_ext,
    )
    from .inventory import inventory
    from .middleware import EmulatorMiddleware

    sagemaker_ext.install()
    sagemaker_pipeline_ext.install()
    sagemaker_endpoint_ext.install()
    sagemaker_monitor_ext.install()
    sagemaker_processing_ext.install()
    sagemaker_feature_store_ext.install()
    autoscaling_ext.install()
    events_ext.install()
    sns_ext.install()
    iam_ext.install()
    moto_app = DomainDispatcherApplication(create_backend_app)

    def reset() -> None:
        moto_api_backend.reset()
        sagemaker_endpoint_ext.reset_state()

    return EmulatorMiddleware(
        moto_app,
        reset_backends=reset,
        inventory=inventory,
        routes={
            **sagemaker_pipeline_ext.CONTROL_ROUTES,
            **sagemaker_endpoint_ext.CONTROL_ROUTES,
            **sagemaker_monitor_ext.CONTROL_ROUTES,
            **autoscaling_ext.CONTROL_ROUTES,
        },
    )


def warm_up(app: Any) -> None:
    """Build moto's per-service apps and load their API models ahead of the first
    request (~0.3 s for SageMaker, otherwise paid by the first call)."""
    from moto.core.utils import get_service_model

    for service, target, path in (
        ("sagemaker", "SageMaker.ListModelPackageGroups", "/"),
        ("sagemaker", None, "/endpoints/warm/invocations"),
        ("application-autoscaling", "AnyScaleFrontendService.DescribeScalableTargets", "/"),
        ("monitoring", None, "/"),
        ("events", "AWSEvents.ListRules", "/"),
        ("sns", None, "/"),
        ("iam", None, "/"),
    ):
        try:
            if service == "sagemaker" and target is None:
                get_service_model("sagemaker-runtime")
            elif service == "monitoring":
                get_service_model("cloudwatch")
            else:
                get_service_model(service)
            environ = {
                "PATH_INFO": path,
                "REQUEST_METHOD": "POST",
                "HTTP_AUTHORIZATION": (
                    f"AWS4-HMAC-SHA256 Credential=warm/20250101/us-east-1/{service}/aws4_request, "
                    "SignedHeaders=host, Signature=0"
                ),
            }
            if target:
                environ["HTTP_X_AMZ_TARGET"] = target
            app.app.get_application(environ)
        except Exception:  # warm-up is an optimisation only
            pass


def _write_port_file(path: str, port: int) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="ascii") as fh:
        fh.write(f"{port}\n")
    os.replace(tmp, path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mlops_emulator",
        description="Local AWS emulator (moto + SageMaker, EventBridge, SNS, IAM extensions) for acceptance tests.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="TCP port; 0 picks a free one (default)")
    parser.add_argument("--port-file", help="write the bound port to this file once listening")
    parser.add_argument("--verbose", action="store_true", help="log every HTTP request to stderr")
    args = parser.parse_args(argv)

    if not _loopback(args.host):
        print(
            f"mlops_emulator: refusing to bind to non-loopback host {args.host!r}; "
            "use 127.0.0.1",
            file=sys.stderr,
        )
        return 2
    if not 0 <= args.port <= 65535:
        print(f"mlops_emulator: invalid port {args.port}", file=sys.stderr)
        return 2

    serving: dict[str, Any] = {}

    def _stop(signum: int, frame: Any) -> None:
        server = serving.get("server")
        if server is None:  # still starting up
            raise _Shutdown()
        # Never raise out of the handler while serving: socketserver would catch
        # the exception inside request dispatch and keep serving.  shutdown()
        # blocks until serve_forever() returns, so it runs in its own thread.
        threading.Thread(target=server.shutdown, name="shutdown", daemon=True).start()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)

    from werkzeug.serving import make_server
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    class RequestHandler(MotoRequestHandler):
        def log_request(self, code: Any = "-", size: Any = "-") -> None:
            if args.verbose:
                super().log_request(code, size)

    try:
        app = build_app()
        server = make_server(
            "127.0.0.1" if args.host == "localhost" else args.host,
            args.port,
            app,
            threaded=True,
            request_handler=RequestHandler,
        )
        serving["server"] = server
    except _Shutdown:
        return 0
    except OSError as exc:
        print(f"mlops_emulator: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1

    port = server.server_port
    try:
        if args.port_file:
            _write_port_file(args.port_file, port)
        sys.stdout.write(f"{READY_PREFIX} port={port}\n")
        sys.stdout.flush()
        threading.Thread(target=warm_up, args=(app,), name="warm-up", daemon=True).start()
        server.serve_forever(poll_interval=0.2)
    except (_Shutdown, KeyboardInterrupt):
        pass
    finally:
        server.server_close()
    return 0
