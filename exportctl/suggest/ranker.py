"""The learned ranker: one linear score per entry from the matchers' features.

A logistic regression (scikit-learn) over the matcher features, so a candidate's score (the
log-odds that the entry is one an officer must check) is the intercept plus one contribution per
matcher, and each matcher splits its contribution into evidence items: the score stays the sum of
its evidence. Saved as JSON (coefficients, feature names, training record), never a pickle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from exportctl.errors import EmbeddingModelError

FORMAT = 1


@dataclass
class LinearRanker:
    """``fit`` learns ``coef_`` and ``intercept_``; parameters are set at construction only."""

    features: tuple[str, ...]
    C: float = 1.0
    #: a software/technology entry brought in by a matched goods entry scores this much below it
    related_offset: float = 1.5
    #: how many of the best goods entries bring in their software/technology entries
    related_from_top: int = 5
    coef_: np.ndarray | None = None
    intercept_: float = 0.0
    #: the screening verdict's cut-offs on the best candidate's score (see ``verdict``)
    verdict: dict[str, float] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)

    def fit(self, X: np.ndarray, y: np.ndarray) -> LinearRanker:
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=self.C, max_iter=5000)
        model.fit(X, y)
        self.coef_ = model.coef_[0].astype(np.float64)
        self.intercept_ = float(model.intercept_[0])
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        if self.coef_ is None:
            raise EmbeddingModelError("The ranker is not trained: run 'exportctl train-ranker'.")
        return X @ self.coef_ + self.intercept_

    def weight(self, feature: str) -> float:
        assert self.coef_ is not None
        return float(self.coef_[self.features.index(feature)])

    # -- persistence -------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        assert self.coef_ is not None
        return {
            "format": FORMAT,
            "features": list(self.features),
            "coefficients": [round(float(c), 6) for c in self.coef_],
            "intercept": round(self.intercept_, 6),
            "C": self.C,
            "related_offset": self.related_offset,
            "related_from_top": self.related_from_top,
            "verdict": {k: round(v, 6) for k, v in self.verdict.items()},
            "scikit-learn": version("scikit-learn"),
            "training": self.training,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinearRanker:
        if data.get("format") != FORMAT:
            raise EmbeddingModelError("The saved ranker has another format: retrain it.")
        return cls(
            features=tuple(data["features"]),
            C=float(data["C"]),
            related_offset=float(data["related_offset"]),
            related_from_top=int(data["related_from_top"]),
            coef_=np.asarray(data["coefficients"], dtype=np.float64),
            intercept_=float(data["intercept"]),
            verdict={k: float(v) for k, v in data.get("verdict", {}).items()},
            training=data.get("training", {}),
        )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = path.with_name(f".{path.name}.tmp")
        staging.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        staging.replace(path)

    @classmethod
    def load(cls, path: Path, features: tuple[str, ...]) -> LinearRanker:
        """The saved ranker; refused when it was trained on other features."""
        try:
            ranker = cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise EmbeddingModelError(
                f"No trained ranker at {path}: run 'exportctl train-ranker'."
            ) from None
        except (ValueError, KeyError, TypeError, AttributeError, OSError) as error:
            raise EmbeddingModelError(
                f"The ranker at {path} is damaged ({error}): run 'exportctl train-ranker'."
            ) from None
        if ranker.features != features:
            raise EmbeddingModelError(
                f"The ranker at {path} was trained on features {list(ranker.features)}, the "
                f"engine has {list(features)}: run 'exportctl train-ranker'."
            )
        return ranker
