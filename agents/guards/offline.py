"""guardrails-ai, imported and configured to run offline and silent. Import guardrails through this module only.

What guardrails-ai 0.11.0 would otherwise do, and what stops it (paths under site-packages/guardrails/):

* Anonymous usage metrics, on unless ``~/.guardrailsrc`` says ``enable_metrics=false``: ``classes/rc.py`` defaults
  ``RC.enable_metrics = True`` when the file is missing; ``Guard.configure()`` (``guard.py``, called from
  ``Guard.__init__``) re-reads the file and sets the shared ``HubTelemetry`` singleton's ``_enabled`` from it; the
  ``@trace`` wrappers on ``Guard.validate`` / ``Guard.parse`` (``hub_telemetry/hub_tracing.py``) then export spans
  over OTLP to a hosted endpoint (``utils/hub_telemetry_utils.py``, ``https://hty0gc1ok3.execute-api...``). We
  need no rc file: ``settings.rc`` is replaced in memory with ``RC(enable_metrics=False,
  use_remote_inferencing=False)`` before any validator is built (``Validator.__init__`` in ``validator_base.py``
  reads it), and every Guard is finished with the documented ``guard.configure(allow_metrics_collection=False)``.
  The ``HubTelemetry`` singleton is created first here with ``export_locally=True``, so the process never holds an
  exporter aimed at the network even if some other Guard turned metrics back on; the worst case is spans on stdout.
* Its own OpenTelemetry spans (``telemetry/guard_tracing.py``, ``runner_tracing.py``) carry the validated text to
  whatever tracer provider the process has; ``settings.disable_tracing = True`` turns them off (customer messages
  are personal data, and it saves time).
* Remote validator inference (``Validator._inference``): validators here are built with ``use_local=True`` and
  never call ``_inference`` anyway.
* The guardrails API server (``api_client.py``): ``Guard(use_server=False)``; its httpx clients are made but unused.
* ``validator_service/__init__.py`` validates on a fresh asyncio loop (and installs uvloop's loop policy
  process-wide when uvloop is importable) unless ``GUARDRAILS_RUN_SYNC=true``; inside a running loop it warns and
  falls back. We set the variable (``setdefault``: an operator's explicit choice stands) before importing.

Importing guardrails takes about 2 s on a quiet machine (5-8 s on a busy one), about half of it jsonschema building
an Earley parser in ``rfc3987_syntax`` at import time. It also imports its typer CLI, whose click 8.5 deprecation
warnings (DeprecationWarning from typer/) are ignored during that import only; nothing else is silenced.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

os.environ.setdefault("GUARDRAILS_RUN_SYNC", "true")

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"typer(\.|$)")
    from guardrails import Guard, OnFailAction, settings  # type: ignore[import-untyped]
    from guardrails.classes.rc import RC  # type: ignore[import-untyped]
    from guardrails.utils.hub_telemetry_utils import HubTelemetry  # type: ignore[import-untyped]
    from guardrails.validators import (  # type: ignore[import-untyped]
        ErrorSpan,
        FailResult,
        PassResult,
        Validator,
        register_validator,
    )

__all__ = [
    "ErrorSpan", "FailResult", "Guard", "OnFailAction", "PassResult", "Validator", "quiet", "quiet_guard",
    "register_validator",
]


def quiet() -> None:
    """Metrics, tracing and remote inference off for this process; safe to call again (it is cheap)."""
    settings.rc = RC(enable_metrics=False, use_remote_inferencing=False)
    settings.disable_tracing = True
    HubTelemetry(export_locally=True, enabled=False)._enabled = False


def quiet_guard(*validators: Any, name: str) -> Any:
    """A string Guard over ``validators`` that sends nothing anywhere. Build the validators after ``quiet()``."""
    quiet()
    guard = Guard(name=name, history_max_length=1, use_server=False).use(*validators)
    guard.configure(allow_metrics_collection=False)
    quiet()  # configure() re-read ~/.guardrailsrc into settings.rc
    return guard
