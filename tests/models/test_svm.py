"""The SVM row's fit and file: the grid over ``C`` shares one fitted vectorizer, and the saved
file loads back to the same predictions."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from emobench_core.config import Recipe
from emobench_core.data.loading import load_data
from emobench_core.models.backends.sklearn import (
    C_GRID,
    build_svm,
    fit_svm,
    load_pipeline,
    save_pipeline,
)


def test_the_grid_fit_equals_an_end_to_end_fit_of_the_chosen_c(
    emotion_dir: Path, tmp_path: Path
) -> None:
    dsd = load_data(emotion_dir, max_train_rows=1500)
    recipe = Recipe(seed=7)
    pipe, info = fit_svm(dsd, recipe)
    c = info.hyperparameters["C"]
    assert c == C_GRID[info.best_epoch - 1]
    reference = build_svm(c, recipe.seed).fit(dsd["train"]["text"], dsd["train"]["label"])
    assert pipe["tfidf"].vocabulary_ == reference["tfidf"].vocabulary_
    np.testing.assert_array_equal(pipe["tfidf"].idf_, reference["tfidf"].idf_)
    np.testing.assert_array_equal(pipe["svm"].coef_, reference["svm"].coef_)
    test = dsd["test"]["text"]
    expected = reference.predict(test)
    np.testing.assert_array_equal(pipe.predict(test), expected)
    # saved and loaded (skops' state tree, renumbered in memory): the same predictions
    loaded = load_pipeline(save_pipeline(pipe, tmp_path / "model.skops"))
    np.testing.assert_array_equal(loaded.predict(test), expected)
