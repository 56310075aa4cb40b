"""`crm-ai` command line: serve the API, manage dev keys, train and evaluate models."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from crm_ai.core.config import SettingsError, load_settings

cli = typer.Typer(no_args_is_help=True, add_completion=False, help="CliniGlobal CRM AI service")


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="bind address (default CRM_AI_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default CRM_AI_PORT)")] = None,
) -> None:
    """Run the HTTP API with uvicorn."""
    import uvicorn

    from crm_ai.app import create_app
    from crm_ai.core.logging import configure_logging

    overrides: dict[str, object] = {}
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    try:
        settings = load_settings(**overrides)
        configure_logging(settings.log_level, settings.log_format.value)
        app = create_app(settings)
    except SettingsError as exc:
        typer.echo(f"crm-ai: {exc}", err=True)
        raise typer.Exit(2) from None
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None, access_log=False)


@cli.command()
def keygen(
    directory: Annotated[Path, typer.Option("--dir", help="folder for service-token.key/.pub")] = Path(
        ".data/ai/keys"
    ),
) -> None:
    """Create the service-token key pair if missing (idempotent); print the two paths."""
    from crm_ai.core.service_auth import ensure_keypair

    private_path, public_path = ensure_keypair(directory)
    typer.echo(f"private (backend: CRM_AI_SERVICE_TOKEN_PRIVATE_KEY_FILE) {private_path}")
    typer.echo(f"public  (AI service: CRM_AI_SERVICE_TOKEN_PUBLIC_KEY_FILE) {public_path}")


@cli.command("mint-token")
def mint_token(
    org: Annotated[str, typer.Option(help="organisation id")],
    key: Annotated[Path, typer.Option(help="private key file")] = Path(".data/ai/keys/service-token.key"),
    ttl: Annotated[int, typer.Option(help="seconds")] = 60,
) -> None:
    """Print a service token, for trying the API by hand with curl."""
    from crm_ai.core.service_auth import mint_service_token

    typer.echo(mint_service_token(key.read_bytes(), org, ttl_seconds=ttl))


@cli.command("train-sentiment")
def train_sentiment(
    data_dir: Annotated[Path | None, typer.Option(help="folder with the labelled TSV files")] = None,
    int8: Annotated[bool, typer.Option(help="train the head for the int8 encoder")] = False,
) -> None:
    """Retrain the sentiment classifier, compare it with VADER on the frozen set, write the artifact."""
    import json

    from crm_ai.embeddings.encoder import MiniLMEncoder
    from crm_ai.sentiment.models import artifact_path_for
    from crm_ai.sentiment.training import DATA_DIR, train_and_select

    encoder = MiniLMEncoder(int8=int8)
    artifact = artifact_path_for(encoder)
    report = train_and_select(encoder, data_dir or DATA_DIR, artifact)
    typer.echo(json.dumps({k: v for k, v in report.items() if not k.endswith("sha256")}))
    typer.echo(f"wrote {artifact}; default model: {report['default_model']}")


def main() -> None:
    try:
        cli()
    except SettingsError as exc:
        typer.echo(f"crm-ai: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
