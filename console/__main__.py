"""`python -m console`: serve the web console (settings from `CONSOLE_*`, then `BACKBONE_*`)."""

from __future__ import annotations

import uvicorn

from backbone.telemetry import configure_logging
from console.app import create_app
from console.settings import console_settings


def main() -> None:
    settings = console_settings()
    configure_logging(settings, role="console")
    uvicorn.run(create_app(settings), host=settings.http_host, port=settings.http_port, log_config=None)


if __name__ == "__main__":
    main()
