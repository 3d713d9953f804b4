"""Hyperparameter search for lesson 10: the class's search space and an Optuna objective.

Optuna does the searching (grid, random, TPE, pruning); the course only
defines what to search and how to score a trial, on validation data.
"""

from __future__ import annotations

import optuna
from torch import nn

from mlcourse import paper

TRIAL_STEPS = 300


def search_space(trial: optuna.Trial) -> dict:
    """The class's space: learning rate 1e-4..1e-1 (log-uniform), relu or sigmoid, dropout 0.1..0.9."""
    return {
        "lr": trial.suggest_float("lr", 1e-4, 1e-1, log=True),
        "activation": trial.suggest_categorical("activation", ["relu", "sigmoid"]),
        "dropout": trial.suggest_float("dropout", 0.1, 0.9),
    }


def mlp(activation: str, dropout: float) -> nn.Module:
    """The MLP of lesson 09 with a choice of activation and dropout after each hidden layer."""
    act = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid}[activation]
    return nn.Sequential(nn.Linear(40, 100), act(), nn.Dropout(dropout), nn.Linear(100, 100), act(), nn.Dropout(dropout),
                         nn.Linear(100, 10))


def make_objective(X_train, y_train, X_val, y_val, steps: int = TRIAL_STEPS, report_every: int | None = None):
    """An objective that trains on the training set only and returns accuracy on the validation set.

    With ``report_every``, it reports the validation accuracy along the way so
    a pruner can stop hopeless trials early. The same parameters always give
    the same score: the training seed is fixed.
    """

    def objective(trial: optuna.Trial) -> float:
        params = search_space(trial)
        model = paper.seeded(lambda: mlp(params["activation"], params["dropout"]), 0)

        def report(step: int, score: float) -> None:
            trial.report(score, step)
            if trial.should_prune():
                raise optuna.TrialPruned()

        paper.train(model, X_train, y_train, steps, seed=0, lr=params["lr"],
                    eval_on=(X_val, y_val) if report_every else None, eval_every=report_every or steps,
                    on_eval=report if report_every else None)
        return paper.accuracy(model, X_val, y_val)

    return objective
