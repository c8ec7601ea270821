"""Loading, in the background, the code a first deploy needs, once the server is ready.

Start-up stays fast because providers are imported on first use; the price is that the
first `lenticular deploy` to a fresh server also imports CloudFormation, the SAM
translator and the providers its resources call (about 0.7 s on a small machine). A
server started by `lenticular up` imports them on a daemon thread right after it is
ready, so a deploy a moment later finds them loaded. Only modules are imported: nothing
is instantiated, no state is touched, and Python's import lock keeps a request that
imports the same module at the same time correct.

`LENTICULAR_WARMUP=0` turns it off (lenticular's own test servers do, so that hundreds of
short-lived servers do not each spend the time).
"""

from __future__ import annotations

import gc
import importlib
import logging
import os
import pkgutil
import threading

log = logging.getLogger(__name__)

# What a SAM deploy of the example touches, in the order it touches it.
MODULES = (
    "lenticular.services.cloudformation.provider",
    "lenticular.services.cloudformation.engine",
    "lenticular.services.cloudformation.resources",
    "lenticular.services.cloudformation.sam",
    "samtranslator.translator.translator",
    "samtranslator.parser.parser",
    "lenticular.services.dynamodb.provider",
    "lenticular.services.awslambda.provider",
    "lenticular.services.apigateway.provider",
    "lenticular.services.logs.provider",
    "lenticular.services.apigatewayv2.provider",
)


def enabled() -> bool:
    return os.environ.get("LENTICULAR_WARMUP", "1").strip().lower() not in ("0", "false", "no")


def warm_in_background() -> threading.Thread | None:
    """Import MODULES on a daemon thread (None when turned off)."""
    if not enabled():
        return None
    thread = threading.Thread(target=_import_all, name="lenticular-warmup", daemon=True)
    thread.start()
    return thread


def _import_all() -> None:
    for name in MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # a missing optional module must not matter: log and go on
            log.debug("warm-up could not import %s", name, exc_info=True)
    resources = importlib.import_module("lenticular.services.cloudformation.resources")
    for module in pkgutil.iter_modules(resources.__path__, resources.__name__ + "."):
        importlib.import_module(module.name)  # one module per resource type
    # What was loaded lives as long as the server, like what start-up loaded.
    gc.collect()
    gc.freeze()
