"""Drivers for remote model APIs (OpenAI-compatible embeddings and transcription), chosen by settings."""
