"""Upgrading a model in production: shadow traffic and a canary.

- **Shadow**: the challenger scores every request too, but its answer is only
  logged (a JSON line per request, and a counter of agreements); clients only
  ever see the champion's. It costs compute and risks nothing, and shows how
  often the two disagree on real traffic before anyone depends on it.
- **Canary**: a share of the requests (10 % by default) is answered by the
  challenger, each answer naming the version that gave it, so that its errors
  can be counted when the labels come in and the canary rolled back by a rule.

Service meshes and serving platforms do the routing in practice (Istio,
Argo Rollouts, KServe, SageMaker's production variants); the decisions they
automate are the ones made here by hand.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MODES = ("shadow", "canary")


@dataclass(frozen=True)
class Rollout:
    """A challenger model next to the champion: where it is, its version, and how it takes part."""

    challenger: Path
    version: str = "challenger"
    mode: str = "shadow"
    share: float = 0.1  # canary only: the share of requests it answers
    seed: int = 0  # canary only: which requests those are, repeatably
    shadow_log: Path | None = None  # shadow only: one JSON line per request

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {self.mode!r}")
        if not 0 <= self.share <= 1:
            raise ValueError(f"share must be between 0 and 1, not {self.share}")


class Router:
    """Per request: who answers, and what the challenger would have said."""

    def __init__(self, rollout: Rollout, champion, challenger, metrics):
        self.rollout, self.champion, self.challenger, self.metrics = rollout, champion, challenger, metrics
        self.draw = random.Random(rollout.seed)
        self.log = open(rollout.shadow_log, "a", encoding="utf-8") if rollout.shadow_log else None

    def score(self, features: list[float], champion_version: str) -> tuple[np.ndarray, np.ndarray, str]:
        """The probabilities, the classes and the version of the model whose answer the client gets."""
        if self.rollout.mode == "canary" and self.draw.random() < self.rollout.share:
            return self.challenger.predict_proba([features])[0], self.challenger.classes_, self.rollout.version
        proba = self.champion.predict_proba([features])[0]
        if self.rollout.mode == "shadow":
            self._shadow(features, str(self.champion.classes_[proba.argmax()]))
        return proba, self.champion.classes_, champion_version

    def _shadow(self, features: list[float], champion_says: str) -> None:
        shadow = self.challenger.predict_proba([features])[0]
        challenger_says = str(self.challenger.classes_[shadow.argmax()])
        agree = challenger_says == champion_says
        self.metrics.shadow.labels(agree="yes" if agree else "no").inc()
        if self.log:
            self.log.write(json.dumps({"features": features, "champion": champion_says,
                                       "challenger": challenger_says, "agree": agree}) + "\n")
            self.log.flush()

    def close(self) -> None:
        if self.log:
            self.log.close()


@dataclass(frozen=True)
class CanaryVerdict:
    """What the rollback rule concluded on a stream of labelled outcomes."""

    roll_back: bool
    at: int | None  # the position in the stream where it decided to roll back
    canary_error: float
    champion_error: float
    canary_labelled: int


def canary_verdict(outcomes, canary: str, min_labelled: int = 50, margin: float = 0.02,
                   z: float = 2.0) -> CanaryVerdict:
    """Walk labelled outcomes ``(version, correct)`` in arrival order; roll back at the first point where the
    canary has at least ``min_labelled`` outcomes and its error rate exceeds the champion's by more than
    ``margin`` plus ``z`` standard errors of the difference.

    The standard error keeps the rule from rolling back on the noise of a few
    unlucky answers; ``min_labelled`` keeps it from deciding on almost nothing.
    """
    errors = {True: 0, False: 0}  # keyed by "is the canary"
    counts = {True: 0, False: 0}
    for position, (version, correct) in enumerate(outcomes):
        is_canary = version == canary
        counts[is_canary] += 1
        errors[is_canary] += not correct
        if counts[True] >= min_labelled and counts[False] >= min_labelled:
            p_canary, p_champion = errors[True] / counts[True], errors[False] / counts[False]
            spread = np.sqrt(p_canary * (1 - p_canary) / counts[True] + p_champion * (1 - p_champion) / counts[False])
            if p_canary - p_champion > margin + z * spread:
                return CanaryVerdict(True, position, p_canary, p_champion, counts[True])
    rates = [errors[side] / counts[side] if counts[side] else float("nan") for side in (True, False)]
    return CanaryVerdict(False, None, rates[0], rates[1], counts[True])
