"""Embedding spaces: immutable snapshots of keys, vectors and per-key metadata."""

from engine.spaces.embedding_space import EmbeddingSpace, Scored

__all__ = ["EmbeddingSpace", "Scored"]
