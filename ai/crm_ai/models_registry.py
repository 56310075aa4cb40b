"""Every model the service loads, in dependency order."""

from __future__ import annotations

from crm_ai.core.config import Settings
from crm_ai.core.models import ModelHub


def register_all(hub: ModelHub, settings: Settings) -> None:
    def encoder() -> object:
        from crm_ai.embeddings.encoder import MiniLMEncoder

        return MiniLMEncoder(settings.embedding_model_path, settings.torch_threads)

    def sentiment() -> object:
        from crm_ai.sentiment.service import build_sentiment_service

        return build_sentiment_service(hub.load("encoder"))

    def lead_scoring() -> object:
        from crm_ai.scoring.service import LeadScoring

        return LeadScoring(settings.models_dir)

    def forecasting() -> object:
        from crm_ai.forecasting.service import Forecasting

        return Forecasting()

    def transcriber() -> object:
        from crm_ai.transcription.engine import WhisperTranscriber

        return WhisperTranscriber(
            settings.transcription_model_path,
            compute_type=settings.transcription_compute_type,
            threads=settings.transcription_threads,
            beam_size=settings.transcription_beam_size,
        )

    def personalization() -> object:
        from crm_ai.personalization.service import build_personalization

        return build_personalization(settings)

    hub.register("lead_scoring", lead_scoring)
    hub.register("personalization", personalization)
    hub.register("forecasting", forecasting)
    hub.register("encoder", encoder)
    hub.register("sentiment", sentiment)
    hub.register("transcriber", transcriber)
