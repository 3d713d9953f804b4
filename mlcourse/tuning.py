"""Hyperparameter search for lesson 10: the class's search space, an Optuna objective, and a cheap stand-in for it.

Optuna does the searching (grid, random, TPE, pruning); the course only
defines what to search and how to score a trial, on validation data. Comparing
search strategies fairly takes many repeated searches, too many to train for
real in class, so :func:`surrogate_objective` answers trials from a table of
real scores instead (a tabular benchmark, as published comparisons of
optimizers use), and the samplers draw only the table's points.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import optuna

from mlcourse import paper

TRIAL_STEPS = 300


def search_space(trial: optuna.Trial) -> dict:
    """The class's space: learning rate 1e-4..1e-1 (log-uniform), relu or sigmoid, dropout 0.1..0.9."""
    return {
        "lr": trial.suggest_float("lr", 1e-4, 1e-1, log=True),
        "activation": trial.suggest_categorical("activation", ["relu", "sigmoid"]),
        "dropout": trial.suggest_float("dropout", 0.1, 0.9),
    }


def make_objective(X_train, y_train, X_val, y_val, steps: int = TRIAL_STEPS, report_every: int | None = None):
    """An objective that trains on the training set only and returns accuracy on the validation set.

    With ``report_every``, it reports the validation accuracy along the way so
    a pruner can stop hopeless trials early. The same parameters always give
    the same score: the training seed is fixed.
    """

    def objective(trial: optuna.Trial) -> float:
        params = search_space(trial)
        model = paper.seeded(lambda: paper.mlp(params["activation"], params["dropout"]), 0)

        def report(step: int, score: float) -> None:
            trial.report(score, step)
            if trial.should_prune():
                raise optuna.TrialPruned()

        paper.train(model, X_train, y_train, steps, seed=0, lr=params["lr"],
                    eval_on=(X_val, y_val) if report_every else None, eval_every=report_every or steps,
                    on_eval=report if report_every else None)
        return paper.accuracy(model, X_val, y_val)

    return objective


def score_table(objective: Callable, rates: Sequence[float], dropouts: Sequence[float],
                activations: Sequence[str] = ("relu", "sigmoid")) -> dict[str, np.ndarray]:
    """The objective's score at every combination: ``{activation: array of shape (len(rates), len(dropouts))}``."""
    return {act: np.array([[objective(optuna.trial.FixedTrial({"lr": lr, "activation": act, "dropout": p}))
                            for p in dropouts] for lr in rates]) for act in activations}


def table_space(trial: optuna.Trial, rates: Sequence[float], dropouts: Sequence[float],
                activations: Sequence[str] = ("relu", "sigmoid")) -> dict:
    """The class's space restricted to a table's points: each hyperparameter is a choice among the table's values.

    A tabular benchmark may only ask for settings it has scores for; a
    continuous draw between two points would need an invented score.
    """
    return {
        "lr": trial.suggest_categorical("lr", [float(r) for r in rates]),
        "activation": trial.suggest_categorical("activation", list(activations)),
        "dropout": trial.suggest_categorical("dropout", [float(p) for p in dropouts]),
    }


def surrogate_objective(table: dict[str, np.ndarray], rates: Sequence[float], dropouts: Sequence[float]) -> Callable:
    """An objective over :func:`table_space` that looks scores up in ``table`` instead of training (a tabular benchmark).

    Every setting a sampler may draw is a point of the table, so every score
    is a real validation score; what the lookup leaves out is the noise of
    retraining. A trial costs microseconds instead of a second, so a search
    can be repeated with many seeds.
    """
    rates, dropouts = [float(r) for r in rates], [float(p) for p in dropouts]

    def objective(trial: optuna.Trial) -> float:
        params = table_space(trial, rates, dropouts, tuple(table))
        return float(table[params["activation"]][rates.index(params["lr"]), dropouts.index(params["dropout"])])

    return objective


def best_so_far(objective: Callable, sampler: optuna.samplers.BaseSampler, budget: int) -> np.ndarray:
    """Run one search of ``budget`` trials (maximizing); the best score after each trial."""
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(objective, n_trials=budget)
    return np.maximum.accumulate([trial.value for trial in study.trials])
