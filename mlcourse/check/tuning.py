"""Checks for lesson 10 (hyperparameter tuning): search_space, make_objective."""

from __future__ import annotations

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution

from mlcourse import data, paper, tuning
from mlcourse.check._core import call, fail, passed, register

EXPECTED = {
    "lr": FloatDistribution(1e-4, 1e-1, log=True),
    "activation": CategoricalDistribution(["relu", "sigmoid"]),
    "dropout": FloatDistribution(0.1, 0.9),
}
HINTS = {
    "lr": "trial.suggest_float('lr', 1e-4, 1e-1, log=True): a learning rate is searched on a log scale",
    "activation": "trial.suggest_categorical('activation', ['relu', 'sigmoid'])",
    "dropout": "trial.suggest_float('dropout', 0.1, 0.9), uniform",
}


def _space_other_order(trial):
    dropout = trial.suggest_float("dropout", 0.1, 0.9)
    activation = trial.suggest_categorical("activation", ("sigmoid", "relu"))
    return {"activation": activation, "dropout": dropout, "lr": trial.suggest_float("lr", 0.0001, 0.1, log=True)}


def _space_uniform_lr(trial):
    """Draws the learning rate uniformly, so nine draws in ten land above 0.01."""
    return {"lr": trial.suggest_float("lr", 1e-4, 1e-1), "activation": trial.suggest_categorical("activation", ["relu", "sigmoid"]),
            "dropout": trial.suggest_float("dropout", 0.1, 0.9)}


def _space_full_dropout(trial):
    """Lets dropout range over 0..1, outside the class's space (1.0 drops everything)."""
    return tuning.search_space(trial) | {"dropout": trial.suggest_float("dropout_any", 0.0, 1.0)}


def _space_extra_activation(trial):
    """Adds tanh to the activations."""
    return {"lr": trial.suggest_float("lr", 1e-4, 1e-1, log=True),
            "activation": trial.suggest_categorical("activation", ["relu", "sigmoid", "tanh"]),
            "dropout": trial.suggest_float("dropout", 0.1, 0.9)}


def _same(got, expected) -> bool:
    if isinstance(expected, CategoricalDistribution):
        return isinstance(got, CategoricalDistribution) and set(got.choices) == set(expected.choices)
    return (isinstance(got, FloatDistribution) and np.isclose(got.low, expected.low) and np.isclose(got.high, expected.high)
            and got.log == expected.log)


@register(reference=tuning.search_space, also_right=[_space_other_order],
          mistakes=[_space_uniform_lr, _space_full_dropout, _space_extra_activation])
def search_space(fn) -> None:
    """Exercise 10.1: ``fn(trial)`` draws ``lr``, ``activation`` and ``dropout`` from the class's search space."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(5):
        trial = study.ask()
        got = call(fn, trial, label="search_space(trial)")
        if not isinstance(got, dict) or set(got) != set(EXPECTED):
            fail(f"search_space(trial) returned {got!r}; expected a dict with the keys {sorted(EXPECTED)}")
        for name, expected in EXPECTED.items():
            drawn = trial.distributions.get(name)
            if drawn is None or not _same(drawn, expected) or got[name] != trial.params[name]:
                fail(f"search_space(trial): {name} was drawn from {drawn}; expected {expected}, returned as drawn. "
                     f"Hint: {HINTS[name]}.")
        study.tell(trial, 0.0)
    passed("search_space", "learning rate log-uniform in [1e-4, 1e-1], relu or sigmoid, dropout uniform in [0.1, 0.9]")


def _objective_by_hand(X_train, y_train, X_val, y_val):
    def objective(trial):
        params = tuning.search_space(trial)
        model = paper.seeded(lambda: tuning.mlp(params["activation"], params["dropout"]), 1)
        paper.train(model, X_train, y_train, 250, seed=1, lr=params["lr"], batch_size=64)
        return paper.accuracy(model, X_val, y_val)
    return objective


def _objective_scores_training_data(X_train, y_train, X_val, y_val):
    """Scores on the training data, which rewards memorising it."""
    return tuning.make_objective(X_train, y_train, X_train, y_train)


def _objective_trains_on_validation(X_train, y_train, X_val, y_val):
    """Trains on training and validation data together, so the score has seen its own answers."""
    return tuning.make_objective(np.vstack([X_train, X_val]), np.concatenate([y_train, y_val]), X_val, y_val)


def _objective_unseeded(X_train, y_train, X_val, y_val):
    """Leaves the training seed to chance, so the same trial scores differently each time."""
    def objective(trial):
        params = tuning.search_space(trial)
        model = tuning.mlp(params["activation"], params["dropout"])
        paper.train(model, X_train, y_train, 250, seed=int(np.random.default_rng().integers(1000)), lr=params["lr"])
        return paper.accuracy(model, X_val, y_val)
    return objective


GOOD = {"lr": 1e-2, "activation": "relu", "dropout": 0.1}
BAD = {"lr": 1e-4, "activation": "sigmoid", "dropout": 0.9}


@register(reference=tuning.make_objective, also_right=[_objective_by_hand],
          mistakes=[_objective_scores_training_data, _objective_trains_on_validation, _objective_unseeded])
def make_objective(fn) -> None:
    """Exercise 10.2: ``fn(X_train, y_train, X_val, y_val)`` returns an objective scoring a trial on validation data."""
    d = data.load_mnist1d()
    X_train, y_train, X_val, y_val = d["x"][:1500], d["y"][:1500], d["x"][3000:3600], d["y"][3000:3600]
    noise = np.random.default_rng(0)
    label = "make_objective(X_train, y_train, X_val, y_val)"

    def score(X_t, y_t, X_v, y_v, params, what):
        objective = call(fn, X_t, y_t, X_v, y_v, label=label)
        value = call(objective, optuna.trial.FixedTrial(params), label=f"objective(FixedTrial({params})) {what}")
        if not isinstance(value, (float, int, np.floating)) or not 0 <= value <= 1:
            fail(f"objective(FixedTrial({params})) returned {value!r}; expected a validation accuracy between 0 and 1")
        return float(value)

    good = score(X_train, y_train, X_val, y_val, GOOD, "")
    # Two unseeded runs tie on a 600-row accuracy now and then; three rarely all do.
    if any(score(X_train, y_train, X_val, y_val, GOOD, "(again)") != good for _ in range(2)):
        fail("the same trial scored differently on a second call; expected the same score. "
             "Hint: seed the model's weights and the batches (paper.seeded, paper.train(..., seed=...)).")
    bad = score(X_train, y_train, X_val, y_val, BAD, "")
    if not good > bad + 0.1:
        fail(f"good settings {GOOD} scored {good:.2f} and poor ones {BAD} {bad:.2f}; expected the good ones clearly "
             "ahead. Hint: build the model and learning rate from search_space(trial).")
    shuffled_val = score(X_train, y_train, X_val, noise.permutation(y_val), GOOD, "with shuffled validation labels")
    if shuffled_val > 0.3:
        fail(f"with the validation labels shuffled, the objective still scored {shuffled_val:.2f}; expected chance "
             "(about 0.1). Hint: score on X_val and y_val, not on the training data.")
    shuffled_train = score(X_train, noise.permutation(y_train), X_val, y_val, GOOD, "with shuffled training labels")
    if shuffled_train > 0.3:
        fail(f"with the training labels shuffled, the objective still scored {shuffled_train:.2f}; expected chance "
             "(about 0.1). Hint: train on X_train and y_train only; validation data must never be trained on.")
    passed("make_objective", f"trains on training data, scores on validation data ({good:.2f} for good settings), repeatable")
