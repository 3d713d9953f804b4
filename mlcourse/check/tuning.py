"""Checks for lesson 10 (hyperparameter tuning): search_space, make_objective, compare_samplers."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import optuna
import torch
from optuna.distributions import CategoricalDistribution, FloatDistribution

from mlcourse import data, paper, tuning
from mlcourse.check._core import call, diagnose, fail, passed, register

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


def _space_lr_from_exponent(trial):
    """Draws an exponent and returns 10 ** exponent as lr: the scale is right, but Optuna searches a parameter it calls the exponent, not lr."""
    return {"lr": 10 ** trial.suggest_float("lr_exponent", -4, -1), "activation": trial.suggest_categorical("activation", ["relu", "sigmoid"]),
            "dropout": trial.suggest_float("dropout", 0.1, 0.9)}


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
          mistakes=[_space_uniform_lr, _space_full_dropout, _space_extra_activation, _space_lr_from_exponent])
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
            if drawn is None:
                fail(f"search_space(trial): the trial never drew a parameter named {name!r} (it drew "
                     f"{sorted(trial.distributions)}); expected {name} drawn by the trial itself, from {expected}. "
                     f"Hint: {HINTS[name]}; a value computed from another drawn parameter is not searched as {name}.")
            if not _same(drawn, expected) or got[name] != trial.params[name]:
                fail(f"search_space(trial): {name} was drawn from {drawn}; expected {expected}, returned as drawn. "
                     f"Hint: {HINTS[name]}.")
        study.tell(trial, 0.0)
    passed("search_space", "learning rate log-uniform in [1e-4, 1e-1], relu or sigmoid, dropout uniform in [0.1, 0.9]")


def _objective_by_hand(X_train, y_train, X_val, y_val):
    def objective(trial):
        params = tuning.search_space(trial)
        model = paper.seeded(lambda: paper.mlp(params["activation"], params["dropout"]), 1)
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
        model = paper.mlp(params["activation"], params["dropout"])
        paper.train(model, X_train, y_train, 250, seed=int(np.random.default_rng().integers(1000)), lr=params["lr"])
        return paper.accuracy(model, X_val, y_val)
    return objective


def _objective_ignores_lr(X_train, y_train, X_val, y_val):
    """Never passes the drawn learning rate to training, so every trial trains at paper.train's default 0.01."""
    def objective(trial):
        params = tuning.search_space(trial)
        model = paper.seeded(lambda: paper.mlp(params["activation"], params["dropout"]), 0)
        paper.train(model, X_train, y_train, 300, seed=0)
        return paper.accuracy(model, X_val, y_val)
    return objective


def _objective_default_model(X_train, y_train, X_val, y_val):
    """Builds paper.mlp() with its defaults, so the drawn activation and dropout never reach the model."""
    def objective(trial):
        params = tuning.search_space(trial)
        model = paper.seeded(paper.mlp, 0)
        paper.train(model, X_train, y_train, 300, seed=0, lr=params["lr"])
        return paper.accuracy(model, X_val, y_val)
    return objective


def _objective_scores_with_dropout_on(X_train, y_train, X_val, y_val):
    """Scores the model still in training mode (no model.eval()), so dropout switches units off while it is judged."""
    def objective(trial):
        params = tuning.search_space(trial)
        model = paper.seeded(lambda: paper.mlp(params["activation"], params["dropout"]), 0)
        paper.train(model, X_train, y_train, 300, seed=0, lr=params["lr"])
        with torch.no_grad():
            predicted = model(torch.as_tensor(X_val, dtype=torch.float32)).argmax(dim=1).numpy()
        return float(np.mean(predicted == y_val))
    return objective


GOOD = {"lr": 1e-2, "activation": "relu", "dropout": 0.1}
# One hyperparameter changed at a time, to a value that clearly hurts: an objective that ignores it scores the same.
PROBES = {"lr": {"lr": 1e-4}, "dropout": {"dropout": 0.9}, "activation": {"activation": "sigmoid"}}
PROBE_HINTS = {"lr": "pass the drawn learning rate to training (paper.train(..., lr=...)); its default is 0.01",
               "dropout": "build the model from the drawn values, paper.mlp(activation, dropout)",
               "activation": "build the model from the drawn values, paper.mlp(activation, dropout)"}


class _ModeSpy:
    """Records, while active, whether each forward pass of a paper.MLP over ``rows`` inputs ran in training mode."""

    def __init__(self, rows: int):
        self.rows, self.training_passes = rows, 0

    def __enter__(self):
        self.forward = paper.MLP.forward
        spy = self

        def forward(model, x):
            if len(x) == spy.rows and model.training:
                spy.training_passes += 1
            return spy.forward(model, x)

        paper.MLP.forward = forward
        return self

    def __exit__(self, *exc):
        paper.MLP.forward = self.forward


@register(reference=tuning.make_objective, also_right=[_objective_by_hand],
          mistakes=[_objective_scores_training_data, _objective_trains_on_validation, _objective_unseeded,
                    _objective_ignores_lr, _objective_default_model, _objective_scores_with_dropout_on])
def make_objective(fn) -> None:
    """Exercise 10.2: ``fn(X_train, y_train, X_val, y_val)`` returns an objective scoring a trial on validation data."""
    d = data.load_mnist1d()
    X_train, y_train, X_val, y_val = d["x"][:1500], d["y"][:1500], d["x"][3000:3600], d["y"][3000:3600]
    noise = np.random.default_rng(0)
    label = "make_objective(X_train, y_train, X_val, y_val)"

    def score(X_t, y_t, X_v, y_v, params, what):
        objective = call(fn, X_t, y_t, X_v, y_v, label=label)
        if not callable(objective):
            fail(f"{label} returned {type(objective).__name__}; expected a function objective(trial) that Optuna can call")
        value = call(objective, optuna.trial.FixedTrial(params), label=f"objective(FixedTrial({params})) {what}")
        if not isinstance(value, (float, int, np.floating)) or not 0 <= value <= 1:
            fail(f"objective(FixedTrial({params})) returned {value!r}; expected a validation accuracy between 0 and 1")
        return float(value)

    with _ModeSpy(len(y_val)) as spy:
        good = score(X_train, y_train, X_val, y_val, GOOD, "")
    if spy.training_passes:
        fail(f"objective(FixedTrial({GOOD})) scored the validation rows with the model in training mode; expected "
             "evaluation mode. Hint: dropout keeps switching units off in training mode; call model.eval() before "
             "scoring (paper.accuracy does it for you).")
    # Two unseeded runs tie on a 600-row accuracy now and then; three rarely all do.
    if any(score(X_train, y_train, X_val, y_val, GOOD, "(again)") != good for _ in range(2)):
        fail("the same trial scored differently on a second call; expected the same score. "
             "Hint: seed the model's weights and the batches (paper.seeded, paper.train(..., seed=...)).")
    for name, change in PROBES.items():
        poor = GOOD | change
        worse = score(X_train, y_train, X_val, y_val, poor, "")
        if not good > worse + 0.1:
            fail(f"{GOOD} scored {good:.2f} and {poor} (only {name} changed) {worse:.2f}; expected the first clearly "
                 f"ahead, as training with {name} {change[name]} does. Hint: {PROBE_HINTS[name]}.")
    shuffled_val = score(X_train, y_train, X_val, noise.permutation(y_val), GOOD, "with shuffled validation labels")
    if shuffled_val > 0.3:
        fail(f"with the validation labels shuffled, the objective still scored {shuffled_val:.2f}; expected chance "
             "(about 0.1). Hint: score on X_val and y_val, not on the training data.")
    shuffled_train = score(X_train, noise.permutation(y_train), X_val, y_val, GOOD, "with shuffled training labels")
    if shuffled_train > 0.3:
        fail(f"with the training labels shuffled, the objective still scored {shuffled_train:.2f}; expected chance "
             "(about 0.1). Hint: train on X_train and y_train only; validation data must never be trained on.")
    passed("make_objective", f"trains on training data, scores on validation data ({good:.2f} for good settings), repeatable")


def _toy_objective(trial) -> float:
    """A cheap score over the class's space, peaked near lr 6e-3, relu and little dropout."""
    lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
    activation = trial.suggest_categorical("activation", ["relu", "sigmoid"])
    dropout = trial.suggest_float("dropout", 0.1, 0.9)
    return float(np.exp(-((np.log10(lr) + 2.2) ** 2)) * (1.0 if activation == "relu" else 0.7) * (1 - 0.5 * dropout))


def _compare_reference(objective, samplers, budget, searches):
    results = {}
    for k, (name, make) in enumerate(samplers.items()):
        best = []
        for i in range(searches):
            study = optuna.create_study(direction="maximize", sampler=make(1000 * k + i))
            study.optimize(objective, n_trials=budget)
            best.append(study.best_value)
        results[name] = (float(np.mean(best)), float(np.std(best, ddof=1)))
    return results


def _compare_ask_and_tell(objective, samplers, budget, searches):
    summary = {}
    for offset, name in zip(range(0, 100 * len(samplers), 100), samplers, strict=True):
        bests = []
        for seed in range(offset + 7, offset + 7 + searches):
            study = optuna.create_study(sampler=samplers[name](seed), direction=optuna.study.StudyDirection.MAXIMIZE)
            values = []
            for _ in range(budget):
                trial = study.ask()
                values.append(objective(trial))
                study.tell(trial, values[-1])
            bests.append(max(values))
        mean = sum(bests) / len(bests)
        summary[name] = [mean, math.sqrt(sum((b - mean) ** 2 for b in bests) / (len(bests) - 1))]
    return summary


def _compare_same_seeds(objective, samplers, budget, searches):
    """Gives every sampler the same seeds, so TPE's random start-up replays random search's first trials: one draw, not two."""
    results = {}
    for name, make in samplers.items():
        best = []
        for seed in range(searches):
            study = optuna.create_study(direction="maximize", sampler=make(seed))
            study.optimize(objective, n_trials=budget)
            best.append(study.best_value)
        results[name] = (float(np.mean(best)), float(np.std(best, ddof=1)))
    return results


def _compare_one_search(objective, samplers, budget, searches):
    """Runs one search per sampler, so luck decides the comparison and there is no spread to judge a gap by."""
    results = {}
    for k, (name, make) in enumerate(samplers.items()):
        study = optuna.create_study(direction="maximize", sampler=make(k))
        study.optimize(objective, n_trials=budget)
        results[name] = (study.best_value, 0.0)
    return results


def _compare_study_reused(objective, samplers, budget, searches):
    """Keeps optimizing one study per sampler, so the k-th "search" inherits the earlier ones' trials (k × budget)."""
    results = {}
    for k, (name, make) in enumerate(samplers.items()):
        study = optuna.create_study(direction="maximize", sampler=make(1000 * k))
        best = []
        for _ in range(searches):
            study.optimize(objective, n_trials=budget)
            best.append(study.best_value)
        results[name] = (float(np.mean(best)), float(np.std(best, ddof=1)))
    return results


def _compare_tpe_gets_its_start_up_back(objective, samplers, budget, searches):
    """Gives TPE ten extra trials to make up for its random start-up, so it runs a bigger budget than the others."""
    results = {}
    for k, (name, make) in enumerate(samplers.items()):
        best = []
        for i in range(searches):
            study = optuna.create_study(direction="maximize", sampler=make(1000 * k + i))
            study.optimize(objective, n_trials=budget + 10 if "TPE" in name else budget)
            best.append(study.best_value)
        results[name] = (float(np.mean(best)), float(np.std(best, ddof=1)))
    return results


def _compare_last_value(objective, samplers, budget, searches):
    """Reports each search's last trial instead of its best, which measures where the sampler happened to stop."""
    results = {}
    for k, (name, make) in enumerate(samplers.items()):
        last = []
        for i in range(searches):
            study = optuna.create_study(direction="maximize", sampler=make(1000 * k + i))
            study.optimize(objective, n_trials=budget)
            last.append(study.trials[-1].value)
        results[name] = (float(np.mean(last)), float(np.std(last, ddof=1)))
    return results


def _compare_minimizes(objective, samplers, budget, searches):
    """Leaves the study's direction at Optuna's default, minimize, so every sampler hunts for the worst settings."""
    results = {}
    for k, (name, make) in enumerate(samplers.items()):
        best = []
        for i in range(searches):
            study = optuna.create_study(sampler=make(1000 * k + i))
            study.optimize(objective, n_trials=budget)
            best.append(study.best_value)
        results[name] = (float(np.mean(best)), float(np.std(best, ddof=1)))
    return results


class _Spy:
    """Samplers made for the learner's function, and every score each study it ran received."""

    def __init__(self, factories: dict[str, Callable]):
        self.made: list[tuple[str, object, optuna.samplers.BaseSampler]] = []  # (name, seed, sampler)
        self.studies: dict[str, tuple[object, list[float]]] = {}  # study name -> (sampler, scores)
        self.samplers = {name: self._recording(name, make) for name, make in factories.items()}

    def _recording(self, name: str, make: Callable) -> Callable:
        def build(seed=None):
            sampler = make(seed)
            self.made.append((name, seed, sampler))
            return sampler
        return build

    def objective(self, trial) -> float:
        value = _toy_objective(trial)
        study = getattr(trial, "study", None)
        if study is not None:
            self.studies.setdefault(study.study_name, (study.sampler, []))[1].append(value)
        return value

    def searches(self) -> dict[str, list[tuple[object, list[float]]]]:
        """For each sampler name: (seed, scores) of every study that ran one of its samplers."""
        found: dict[str, list[tuple[object, list[float]]]] = {name: [] for name in self.samplers}
        for sampler, scores in self.studies.values():
            owner = next(((name, seed) for name, seed, made in self.made if made is sampler), None)
            if owner is None:
                fail("compare_samplers ran a study with a sampler it made itself; expected only the samplers it was given. "
                     "Hint: make each search's sampler with samplers[name](seed).")
            found[owner[0]].append((owner[1], scores))
        return found


SAMPLER_CASES = [
    ({"random": lambda seed: optuna.samplers.RandomSampler(seed=seed),
      "TPE": lambda seed: optuna.samplers.TPESampler(seed=seed, n_startup_trials=4)}, 12, 3),
    ({"TPE, 2 random start-up trials": lambda seed: optuna.samplers.TPESampler(seed=seed, n_startup_trials=2),
      "random search": lambda seed: optuna.samplers.RandomSampler(seed=seed)}, 7, 4),
]


def _pair(value) -> tuple[float, float] | None:
    """``value`` as (mean, std) if it is two real numbers, else None."""
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__len__") or len(value) != 2:
        return None
    try:
        pair = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        return None
    return pair if all(math.isfinite(v) for v in pair) else None


@register(reference=_compare_reference, also_right=[_compare_ask_and_tell],
          mistakes=[_compare_same_seeds, _compare_one_search, _compare_study_reused, _compare_tpe_gets_its_start_up_back,
                    _compare_last_value, _compare_minimizes])
def compare_samplers(fn) -> None:
    """Exercise 10.3: ``fn(objective, samplers, budget, searches)`` compares samplers fairly: ``{name: (mean, std)}`` of each search's best."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    for factories, budget, searches in SAMPLER_CASES:
        spy = _Spy(factories)
        label = f"compare_samplers(objective, samplers={list(factories)}, budget={budget}, searches={searches})"
        got = call(fn, spy.objective, spy.samplers, budget, searches, label=label)
        if not isinstance(got, dict) or set(got) != set(factories):
            keys = sorted(map(str, got)) if isinstance(got, dict) else None
            fail(f"{label} returned {type(got).__name__}{f' with keys {keys}' if keys is not None else ''}; expected a dict "
                 f"with one (mean, std) pair per sampler name: {sorted(factories)}.")
        pairs = {name: _pair(value) for name, value in got.items()}
        for name, pair in pairs.items():
            if pair is None:
                fail(f"{label}[{name!r}] is {got[name]!r}; expected a pair of finite numbers (mean, std) of the best "
                     f"values of the {searches} searches.")
        found = spy.searches()
        for name, runs in found.items():
            if len(runs) == 1 and searches > 1 and len(runs[0][1]) == budget * searches:
                fail(f"{label}: {name!r} ran one study of {budget * searches} trials; expected {searches} searches of "
                     f"{budget}. Hint: optimizing the same study again continues it (each later search inherits the "
                     "earlier trials); create a fresh study, with a fresh sampler, for each search.")
            if len(runs) != searches:
                fail(f"{label}: {name!r} ran {len(runs)} search(es) (studies); expected {searches}, each a fresh study with its "
                     f"own sampler. Hint: one search is one draw; the spread over several is what a gap is judged by, so "
                     f"create a new study with samplers[name](seed) for each of the {searches}.")
            lengths = [len(scores) for _, scores in runs]
            if any(n != budget for n in lengths):
                fail(f"{label}: the searches of {name!r} ran {lengths} trials; expected {budget} each, for every sampler. "
                     "Hint: equal budget means n_trials=budget for every search, start-up trials included.")
            seeds = [seed for seed, _ in runs]
            if any(seed is None for seed in seeds) or len(set(seeds)) != len(seeds):
                fail(f"{label}: the searches of {name!r} got seeds {seeds}; expected {searches} different seeds. "
                     "Hint: an unseeded search cannot be repeated; make a fresh sampler for each search, "
                     "with samplers[name](seed) and a seed of its own.")
        names = list(found)
        for i, first in enumerate(names):
            for second in names[i + 1:]:
                shared = {seed for seed, _ in found[first]} & {seed for seed, _ in found[second]}
                if shared:
                    fail(f"{label}: {first!r} and {second!r} share the seeds {sorted(shared)}; expected different seeds per "
                         "sampler. Hint: TPE starts with random trials drawn from its seed, so with random search's seed "
                         "it replays random search's first trials; give each sampler seeds of its own.")
        for name, runs in found.items():
            best = np.array([max(scores) for _, scores in runs])
            want = (best.mean(), best.std(ddof=1))
            mean, std = pairs[name]
            if not np.isclose(mean, want[0], rtol=1e-6, atol=1e-9):
                hint = diagnose(mean, {"report each search's best value (study.best_value), not its last trial":
                                       np.mean([scores[-1] for _, scores in runs]),
                                       "the objective is a score to maximize: optuna.create_study(direction='maximize')":
                                       np.mean([min(scores) for _, scores in runs])},
                                "the mean, over the searches, of each search's best value")
                fail(f"{label}[{name!r}]: mean {mean:.6f}; expected {want[0]:.6f}, the mean of the best values its searches "
                     f"found. Hint: {hint}.")
            if not np.isclose(std, want[1], rtol=1e-6, atol=1e-9):
                hint = diagnose(std, {"use the sample standard deviation, ddof=1, as in lesson 09": best.std()},
                                "the sample standard deviation of the searches' best values")
                fail(f"{label}[{name!r}]: std {std:.6f}; expected {want[1]:.6f}. Hint: {hint}.")
    passed("compare_samplers", "equal budgets, several searches per sampler, seeds of their own, and the mean ± std of "
                               "each search's best")
