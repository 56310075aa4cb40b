"""Every model the service loads, in dependency order."""

from __future__ import annotations

from crm_ai.core.config import EmbeddingDriver, Settings
from crm_ai.core.models import ModelHub


def register_all(hub: ModelHub, settings: Settings) -> None:
    def encoder() -> object:
        """The vectors of /v1/embeddings (search): the driver's choice."""
        from crm_ai.embeddings.encoder import build_encoder

        return build_encoder(settings)

    def text_encoder() -> object:
        """MiniLM for sentiment and summaries, whatever encoder the search uses: the sentiment
        classifier was trained on MiniLM vectors, and texts need not leave for a summary."""
        if settings.embedding_driver is EmbeddingDriver.local:
            return hub.load("encoder")
        from crm_ai.embeddings.encoder import build_local_encoder

        return build_local_encoder(settings)

    def sentiment() -> object:
        from crm_ai.sentiment.service import build_sentiment_service

        return build_sentiment_service(hub.load("text_encoder"))

    def lead_scoring() -> object:
        from crm_ai.scoring.service import LeadScoring

        return LeadScoring(settings.models_dir)

    def forecasting() -> object:
        from crm_ai.forecasting.service import Forecasting

        return Forecasting()

    def transcriber() -> object:
        from crm_ai.transcription.engine import build_transcriber

        return build_transcriber(settings)

    def personalization() -> object:
        from crm_ai.personalization.service import build_personalization

        return build_personalization(settings)

    hub.register("lead_scoring", lead_scoring)
    hub.register("personalization", personalization)
    hub.register("forecasting", forecasting)
    hub.register("encoder", encoder)
    hub.register("text_encoder", text_encoder)
    hub.register("sentiment", sentiment)
    hub.register("transcriber", transcriber)
