"""Runs the ASGI app on uvicorn (uvloop + httptools) and announces it when it is ready.

AWS JSON-RPC calls skip the ASGI layer (see `http_protocol`); uvicorn serves the rest."""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uvicorn

from lenticular.app import Lenticular
from lenticular.config import Config
from lenticular.http_protocol import protocol_for
from lenticular.state.datadir import DataDirBusy

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_ready: Any) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # Like uvicorn's, but a signal that asked us to stop is not re-raised after the
        # graceful shutdown: Ctrl-C and SIGTERM end `lenticular up` with status 0.
        handlers = {sig: signal.signal(sig, self.handle_exit) for sig in _STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in handlers.items():
                signal.signal(sig, handler)

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self._on_ready()


def serve(
    config: Config,
    *,
    started_at: float | None = None,
    quiet: bool = False,
    deploy_template: Path | None = None,
) -> int:
    """Serve until SIGINT/SIGTERM; returns the process exit code. With `deploy_template`,
    deploy it once the server is ready, on a background thread (a failure is printed)."""
    started_at = started_at or time.perf_counter()
    app = Lenticular(config)
    try:
        app.data_dir.lock()
    except DataDirBusy as exc:
        print(f"lenticular: {exc}", file=sys.stderr)
        return 1

    def on_ready() -> None:
        # Everything loaded so far lives as long as the server: keep it out of the
        # garbage collector's generations so collections on the hot path stay short.
        gc.collect()
        gc.freeze()
        info = {
            "pid": os.getpid(),
            "endpoint": config.endpoint,
            "host": config.host,
            "port": config.port,
            "services": app.services.names(),
        }
        app.data_dir.write_server_info(info)
        if not quiet:
            took = time.perf_counter() - started_at
            print(
                f"lenticular {config.endpoint} ready in {took:.2f}s\n"
                f"  data dir: {config.data_dir.resolve()}\n"
                f"  services: {', '.join(app.services.names())}\n"
                f"  signatures: {'verified' if config.verify_signatures else 'not verified'}\n"
                f"  export AWS_ENDPOINT_URL={config.endpoint} AWS_ACCESS_KEY_ID=test "
                f"AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION={config.default_region}",
                flush=True,
            )
        if deploy_template is not None:
            from lenticular.deploy import deploy_in_background

            endpoint = f"http://127.0.0.1:{config.port}" if config.host in (
                "0.0.0.0", "::", "127.0.0.1", "localhost") else config.endpoint  # fmt: skip
            deploy_in_background(deploy_template, endpoint, config.default_region)
        from lenticular.warmup import warm_in_background

        warm_in_background()  # the code a first deploy needs, loaded while idle

    uv_config = uvicorn.Config(
        app,
        host=config.host,
        port=config.port,
        loop="uvloop",
        # uvicorn's httptools protocol; AWS JSON-RPC calls skip ASGI (see http_protocol).
        http=protocol_for(app),
        ws="websockets-sansio",
        lifespan="on",
        access_log=False,
        log_level="warning",
        server_header=False,
        # The edge reads X-Forwarded-For itself where AWS does (API Gateway's sourceIp);
        # uvicorn's proxy-header middleware would only add a layer to every request.
        proxy_headers=False,
        date_header=True,
        timeout_keep_alive=30,
    )
    server = _Server(uv_config, on_ready)
    try:
        server.run()
    finally:
        app.data_dir.clear_server_info()
        app.close()
        app.data_dir.close()
    if not server.started:
        return 1
    if not quiet:
        print("lenticular stopped", flush=True)
    return 0
