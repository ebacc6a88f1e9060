"""The FLOP count per token (measure/flops.py) against a hand count and against the parameters
transformers builds."""

from __future__ import annotations

import pytest

from emobench_core.measure.flops import EncoderShape

TINY = {"num_hidden_layers": 1, "hidden_size": 4, "intermediate_size": 8, "num_attention_heads": 2}


def test_flops_per_token_of_a_small_config_match_a_hand_count() -> None:
    shape = EncoderShape.from_config(TINY)
    # Q, K, V, O: 4 x (4x4 weights + 4 biases) = 80; up 4x8 + 8 = 40; down 8x4 + 4 = 36;
    # two LayerNorms 2 x (4 + 4) = 16: 172 parameters in the one layer
    assert shape.non_embedding_params == 172
    # 6 x 172 (forward and backward through every weight) + 12 x 1 layer x 4 hidden x 10 tokens
    assert shape.flops_per_token(10) == 6 * 172 + 480 == 1512
    # each sequence attends over its own length: 3 tokens and 5 tokens
    assert shape.sequence_flops([3, 5]) == 3 * (1032 + 12 * 4 * 3) + 5 * (1032 + 12 * 4 * 5)


def test_the_step_shapes_are_the_projections_and_the_feed_forward() -> None:
    shape = EncoderShape.from_config(TINY)
    assert shape.matmul_shapes(96) == {
        "projection": (96, 4, 4),
        "ffn up": (96, 4, 8),
        "ffn down": (96, 8, 4),
    }


@pytest.mark.parametrize(
    ("model_type", "config", "encoder"),
    [
        ("bert", {**TINY, "num_hidden_layers": 2}, "bert.encoder"),
        (
            "distilbert",
            {"n_layers": 2, "dim": 4, "hidden_dim": 8, "n_heads": 2},
            "distilbert.transformer",
        ),
    ],
)
def test_non_embedding_params_are_the_encoder_layers_transformers_builds(
    model_type: str, config: dict[str, int], encoder: str
) -> None:
    from transformers import AutoConfig, AutoModelForSequenceClassification

    built = AutoModelForSequenceClassification.from_config(
        AutoConfig.for_model(model_type, vocab_size=50, num_labels=3, **config)
    )
    layers = built.get_submodule(encoder)
    assert EncoderShape.from_config(config).non_embedding_params == sum(
        p.numel() for p in layers.parameters()
    )
