"""How much arithmetic a training step does: FLOPs per token of an encoder, from its config.

Training FLOPs per token = 6 N + 12 L d T (Kaplan et al. 2020, "Scaling Laws for Neural Language
Models", section 2.1 and table 1; the PaLM paper, Chowdhery et al. 2022, appendix B, "model FLOPs
utilization"):

- ``N``: the non-embedding parameters the token passes through, i.e. the encoder layers' weights,
  biases and LayerNorms (word, position and type embeddings are table look-ups, not matmuls; the
  pooler and the classifier act once per sequence, not per token, and are left out). Forward is 2
  FLOPs (a multiply and an add) per parameter, backward twice that: 6 N.
- ``12 L d T``: self-attention's two matmuls (Q·Kᵀ and the weights times V), each ``2 d T``
  FLOPs per token per layer forward (``d`` = hidden size, ``T`` = the sequence length the
  attention runs over), times 3 for forward and backward (PaLM: ``12 L H Q T`` with ``H Q = d``).

Softmax, GELU, LayerNorm arithmetic, the loss and the optimizer are not counted (as in both
sources): the figure is the matmul work, the part a matrix-multiply peak measures.

    emobench perf --models bert-tiny,bert-small --steps 20 --output perf.json
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EncoderShape:
    """What the FLOP count needs of an encoder: layers, hidden size, feed-forward size, heads."""

    layers: int
    hidden: int
    intermediate: int
    heads: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> EncoderShape:
        """From a BERT-style (``hidden_size``, ...) or DistilBERT-style (``dim``, ...) config."""
        if "dim" in config:
            return cls(config["n_layers"], config["dim"], config["hidden_dim"], config["n_heads"])
        return cls(
            config["num_hidden_layers"],
            config["hidden_size"],
            config["intermediate_size"],
            config["num_attention_heads"],
        )

    @property
    def layer_params(self) -> int:
        """One layer: Q, K, V and output projections (weights and biases), the two
        feed-forward matrices (and biases), two LayerNorms (scale and shift)."""
        h, i = self.hidden, self.intermediate
        return 4 * (h * h + h) + (h * i + i) + (i * h + h) + 2 * 2 * h

    @property
    def non_embedding_params(self) -> int:
        return self.layers * self.layer_params

    def flops_per_token(self, seq_len: float) -> float:
        """Training FLOPs (forward and backward) per token in a sequence of ``seq_len`` tokens."""
        return 6 * self.non_embedding_params + 12 * self.layers * self.hidden * seq_len

    def sequence_flops(self, lengths: Iterable[int]) -> float:
        """Training FLOPs of sequences of ``lengths`` tokens (each attends over its own length)."""
        return sum(n * self.flops_per_token(n) for n in lengths)

    def matmul_shapes(self, tokens: int) -> dict[str, tuple[int, int, int]]:
        """The ``(m, k, n)`` of a layer's matmuls on ``tokens`` rows (batch × length): the
        projections and the feed-forward up and down."""
        h, i = self.hidden, self.intermediate
        return {"projection": (tokens, h, h), "ffn up": (tokens, h, i), "ffn down": (tokens, i, h)}
