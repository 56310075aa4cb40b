from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class EmbeddingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    texts: list[Text] = Field(min_length=1, description="Record texts or a search query, one vector each.")
    encoding_format: Literal["float", "base64"] = Field(
        default="float",
        description="`base64`: each vector as base64 of 384 little-endian float32 (smaller and faster).",
    )


class EmbeddingModelResponse(BaseModel):
    model: str
    model_id: str = Field(
        description="Model, weights and precision: vectors of different ids must not be compared."
    )
    dimensions: int
    normalized: bool


class EmbeddingResponse(BaseModel):
    model: str
    model_id: str = Field(
        description="Model, weights and precision: vectors of different ids must not be compared."
    )
    dimensions: int
    normalized: bool = Field(description="Unit length: cosine similarity is the dot product.")
    encoding_format: Literal["float", "base64"]
    embeddings: list[list[float]] | list[str]
    truncated: list[int] = Field(
        description="Indices of texts longer than the model reads (256 word pieces): chunk them."
    )
