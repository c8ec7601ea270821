"""The `lenticular` command: up, status, reset, logs, deploy, api-report."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.request
from pathlib import Path

from lenticular.config import Config


def main(argv: list[str] | None = None) -> int:
    started_at = time.perf_counter()
    defaults = Config.from_env()
    parser = argparse.ArgumentParser(prog="lenticular", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="serve the AWS APIs on one port")
    up.add_argument("--host", default=defaults.host, help="interface (env LENTICULAR_HOST)")
    up.add_argument("--port", type=int, default=defaults.port, help="port (env LENTICULAR_PORT)")
    _data_dir_flag(up, defaults)
    up.add_argument(
        "--verify-signatures",
        action="store_true",
        default=defaults.verify_signatures,
        help="reject requests whose SigV4/SigV2 signature is wrong (env LENTICULAR_VERIFY_SIGNATURES)",
    )
    up.add_argument("--quiet", action="store_true", help="print nothing when ready")
    up.add_argument(
        "--no-deploy",
        action="store_true",
        help="do not deploy ./template.yaml (or .yml) once the server is ready",
    )
    up.add_argument(
        "--watch",
        action="store_true",
        help="deploy ./template.yaml, then redeploy it when it changes and reload a"
        " function's code when a file in its local code folder changes",
    )

    status = sub.add_parser("status", help="is a server running, and what does it serve")
    _data_dir_flag(status, defaults)
    status.add_argument("--port", type=int, default=defaults.port)

    reset = sub.add_parser("reset", help="delete all state in the data dir")
    _data_dir_flag(reset, defaults)

    logs = sub.add_parser("logs", help="print a function's (or any log group's) log events")
    logs.add_argument(
        "name", help="function name (-> /aws/lambda/NAME) or a log group starting with /"
    )
    logs.add_argument("-f", "--follow", action="store_true", help="keep printing new events")
    logs.add_argument("--since", type=int, default=10, help="minutes back to start (default 10)")
    logs.add_argument("--filter-pattern", default=None, help="CloudWatch Logs filter pattern")
    logs.add_argument(
        "--endpoint-url", default=None, help="server (default: AWS_ENDPOINT_URL or the port)"
    )
    logs.add_argument("--port", type=int, default=defaults.port)

    deploy = sub.add_parser(
        "deploy", help="deploy a CloudFormation or SAM template to a running server"
    )
    from lenticular import deploy as deploy_module

    deploy_module.add_arguments(deploy)

    api_report = sub.add_parser("api-report", help="a REST API stage's traffic (access logs)")
    from lenticular import api_report as api_report_module

    api_report_module.add_arguments(api_report)

    args = parser.parse_args(argv)
    if args.command == "deploy":
        return deploy_module.main(args)
    if args.command == "api-report":
        return api_report_module.main(args)
    if args.command == "up":
        from lenticular.deploy import find_template
        from lenticular.server import serve

        config = Config(
            host=args.host,
            port=args.port,
            data_dir=args.data_dir,
            verify_signatures=args.verify_signatures,
            default_region=defaults.default_region,
        )
        template = None if args.no_deploy else find_template(Path.cwd())
        if args.watch:
            return _serve_watching(config, template, started_at, args.quiet)
        return serve(config, started_at=started_at, quiet=args.quiet, deploy_template=template)
    if args.command == "status":
        return status_command(args.data_dir, args.port)
    if args.command == "reset":
        return reset_command(args.data_dir)
    if args.command == "logs":
        return logs_command(args)
    return 2


def _serve_watching(config: Config, template: Path | None, started_at: float, quiet: bool) -> int:
    from lenticular.server import serve
    from lenticular.watch import watch_in_background

    if template is None:
        print("lenticular up --watch: no template.yaml (or .yml) here to watch", file=sys.stderr)
        return 2
    local = config.host in ("0.0.0.0", "::", "127.0.0.1", "localhost")
    endpoint = f"http://127.0.0.1:{config.port}" if local else config.endpoint
    stop = watch_in_background(template, endpoint, config.default_region, config.data_dir)
    try:
        return serve(config, started_at=started_at, quiet=quiet)
    finally:
        stop.set()


def _data_dir_flag(parser: argparse.ArgumentParser, defaults: Config) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=defaults.data_dir,
        help="state directory (env LENTICULAR_DATA_DIR, default ./.lenticular)",
    )


def status_command(data_dir: Path, port: int) -> int:
    from lenticular.state.datadir import DataDir

    info = DataDir(data_dir).read_server_info()
    endpoint = info["endpoint"] if info else f"http://localhost:{port}"
    if info and not _pid_alive(info.get("pid", -1)):
        print(f"lenticular is not running (stale record for pid {info.get('pid')} in {data_dir})")
        return 1
    try:
        with urllib.request.urlopen(f"{endpoint}/_lenticular/health", timeout=2) as resp:
            health = json.load(resp)
    except OSError:
        print(f"lenticular is not running at {endpoint}")
        return 1
    print(f"lenticular {health['version']} is running at {endpoint}")
    print(f"  data dir: {health['data_dir']}")
    print(f"  uptime:   {health['uptime']:.0f}s")
    print(f"  services: {', '.join(sorted(health['services']))}")
    return 0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def logs_command(args: argparse.Namespace) -> int:
    from lenticular.services.logs.tail import lambda_group_name, tail

    endpoint = (
        args.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or f"http://localhost:{args.port}"
    )
    since_ms = int((time.time() - args.since * 60) * 1000)
    tail(
        endpoint,
        lambda_group_name(args.name),
        follow=args.follow,
        since_ms=since_ms,
        filter_pattern=args.filter_pattern,
        out=sys.stdout,
    )
    return 0


def reset_command(data_dir: Path) -> int:
    from lenticular.state.datadir import DataDir, DataDirBusy

    try:
        DataDir(data_dir).wipe()
    except DataDirBusy:
        print(
            f"lenticular: a server is running on {data_dir}; stop it before reset", file=sys.stderr
        )
        return 1
    print(f"lenticular: wiped {data_dir.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
