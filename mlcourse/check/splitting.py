"""Checks for lesson 06 (data splitting): group_split, honest_cv_score, fix_leaky_pipeline."""

from __future__ import annotations

import functools
import numbers
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GroupShuffleSplit, KFold, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from threadpoolctl import threadpool_limits

from mlcourse.check._core import call, diagnose, fail, passed, register


def _shown(got: Any) -> str:
    """A short description of what a learner's function returned, for a failure message."""
    if got is None:
        return "None"
    if isinstance(got, np.ndarray):
        return f"an array of shape {got.shape}"
    if isinstance(got, (str, bytes)):
        return f"the text {got!r}"
    if isinstance(got, (list, tuple, dict)) and len(got) > 3:
        return f"a {type(got).__name__} of {len(got)} items"
    return f"{type(got).__name__} {got!r}" if not hasattr(got, "shape") else f"a {type(got).__name__} of shape {got.shape}"


def _one_number(got: Any, label: str, what: str) -> float:
    """The learner's score as a float, or a failure that says what came back instead of one number."""
    if isinstance(got, (bool, np.bool_, str, bytes)):
        fail(f"{label} returned {_shown(got)}; expected one number, {what}. Hint: return the number itself, not text or a flag.")
    if isinstance(got, numbers.Real):
        value = float(got)
    elif isinstance(got, np.ndarray) and got.size == 1 and got.dtype.kind in "fiu":
        value = float(got.reshape(()))
    else:
        flat = isinstance(got, (list, tuple, np.ndarray)) and np.ndim(got) == 1 and np.size(got) > 1
        per_fold = f" (the scores of {np.size(got)} folds?)" if flat else ""
        fail(f"{label} returned {_shown(got)}{per_fold}; expected one number, {what}. "
             "Hint: average the folds' scores (`.mean()`) and return that single float.")
    if not np.isfinite(value):
        fail(f"{label} returned {value}; expected a finite number, {what}. Hint: did a fold score nothing (an empty fold)?")
    return value


# --- Exercise 6.1 -----------------------------------------------------------------------------------


def _group_split_reference(groups, test_size, seed):
    # whole groups in a seeded order, added to the test set until it holds test_size of the *rows*
    groups = np.asarray(groups)
    names = np.random.default_rng(seed).permutation(np.unique(groups))
    test, count = [], 0
    for name in names:
        if count >= test_size * len(groups):
            break
        test.append(name)
        count += np.sum(groups == name)
    in_test = np.isin(groups, test)
    return np.flatnonzero(~in_test), np.flatnonzero(in_test)


def _group_split_shuffle_split(groups, test_size, seed):
    # scikit-learn's splitter: its float test_size is a share of the *groups*, which the tolerance allows
    splitter = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=seed)
    return next(splitter.split(np.zeros(len(groups)), groups=groups))


def _group_split_rows(groups, test_size, seed):
    """Splits rows at random, so one group's rows land on both sides."""
    order = np.random.default_rng(seed).permutation(len(groups))
    cut = int(round(test_size * len(groups)))
    return np.sort(order[cut:]), np.sort(order[:cut])


def _group_split_ignores_seed(groups, test_size, seed):
    """Ignores the seed: every call gives the same split."""
    return _group_split_reference(groups, test_size, 0)


def _group_split_one_group(groups, test_size, seed):
    """Puts a single group in the test set, whatever test_size asks."""
    groups = np.asarray(groups)
    chosen = np.random.default_rng(seed).choice(np.unique(groups))
    return np.flatnonzero(groups != chosen), np.flatnonzero(groups == chosen)


def _group_split_masks(groups, test_size, seed):
    """Returns two boolean masks instead of two arrays of row indices."""
    _, test = _group_split_reference(groups, test_size, seed)
    in_test = np.isin(np.arange(len(groups)), test)
    return ~in_test, in_test


def _group_cases():
    rng = np.random.default_rng(11)
    patients = np.repeat(np.arange(40), rng.integers(2, 6, 40))  # 40 patients, 2 to 5 visits each
    return [(patients, 0.25), (np.array(["a", "a", "b", "b", "c", "c", "d", "d", "e", "e"] * 3), 0.2),
            (np.arange(50) // 2, 0.3)]


def _row_indices(part: Any, n: int, label: str, side: str) -> np.ndarray:
    """One side of a split as an array of row numbers, or a failure that says what it was instead."""
    array = None if part is None or isinstance(part, (str, bytes, dict)) or np.ndim(part) == 0 else np.asarray(part)
    if array is None:
        fail(f"{label}: {side} is {_shown(part)}; expected an array of row indices. Hint: return two arrays, "
             "e.g. np.flatnonzero(mask) for the rows a boolean mask selects.")
    if array.dtype == bool and array.ndim == 1 and len(array) == n:
        fail(f"{label}: {side} is a boolean mask of length {n}; expected the row indices it selects. "
             "Hint: np.flatnonzero(mask) turns a mask into row indices.")
    if array.ndim != 1:
        fail(f"{label}: {side} has shape {array.shape}; expected a 1-D array of row indices. Hint: return two flat arrays.")
    if array.size and (array.dtype.kind not in "iuf" or not np.all(np.mod(array, 1) == 0)):
        fail(f"{label}: {side} holds {array[:3].tolist()}…, not whole row numbers; expected row indices 0..{n - 1}. "
             "Hint: return positions of rows, not their group names.")
    if array.size and (array.min() < 0 or array.max() >= n):
        fail(f"{label}: {side} holds row {int(array.min() if array.min() < 0 else array.max())}; expected indices 0..{n - 1}. "
             "Hint: index rows by position.")
    return array.astype(int)


def _split_of(got: Any, n: int, label: str) -> tuple[np.ndarray, np.ndarray]:
    """The learner's (train_idx, test_idx), checked for shape and type."""
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        more = " A splitter's split() yields such pairs: next(...) takes the first." if hasattr(got, "__next__") else ""
        fail(f"{label} returned {_shown(got)}; expected a pair (train_idx, test_idx) of row-index arrays. "
             f"Hint: return train_idx, test_idx.{more}")
    return _row_indices(got[0], n, label, "train_idx"), _row_indices(got[1], n, label, "test_idx")


@register(reference=_group_split_reference, also_right=[_group_split_shuffle_split],
          mistakes=[_group_split_rows, _group_split_ignores_seed, _group_split_one_group, _group_split_masks])
def group_split(fn) -> None:
    """Exercise 6.1: ``fn(groups, test_size, seed)`` returns ``(train_idx, test_idx)`` keeping groups whole."""
    cases = _group_cases()
    for groups, test_size in cases:
        n = len(groups)
        label = f"group_split(<{n} rows in {len(np.unique(groups))} groups>, test_size={test_size}, seed=0)"
        train, test = _split_of(call(fn, groups.copy(), test_size, 0, label=label), n, label)
        if sorted(np.concatenate([train, test]).tolist()) != list(range(n)):
            fail(f"{label}: train and test together do not hold every row exactly once; expected a partition of 0..{n - 1}. "
                 "Hint: every row goes to exactly one side.")
        if shared := sorted(set(groups[train].tolist()) & set(groups[test].tolist())):
            fail(f"{label}: groups {shared[:5]} have rows on both sides; expected each group wholly in train or in test. "
                 "Hint: choose *groups* for the test set, then take all of their rows.")
        share, largest = len(test) / n, np.unique(groups, return_counts=True)[1].max() / n
        if abs(share - test_size) > largest + 0.05:
            fail(f"{label}: the test set holds {share:.0%} of the rows; expected {test_size:.0%} give or take "
                 f"{largest + 0.05:.0%} (the largest group's share + 5 points). "
                 "Hint: keep adding whole groups to the test set until it holds about test_size of the rows.")
        again = _split_of(call(fn, groups.copy(), test_size, 0, label=label), n, label)[1]
        others = [np.sort(_split_of(call(fn, groups.copy(), test_size, seed, label=label), n, label)[1]) for seed in range(1, 6)]
        if not np.array_equal(np.sort(again), np.sort(test)):
            fail(f"{label}: the same seed gave a different split; expected the same. Hint: draw randomness from the seed only.")
        if all(np.array_equal(other, np.sort(test)) for other in others):
            fail(f"{label}: seeds 0 to 5 all gave the same split; expected different ones. "
                 "Hint: make the seed decide which groups go to test (np.random.default_rng(seed)).")
    passed("group_split", f"no group on both sides, the right share of rows in test, seeded, on all {len(cases)} cases")


# --- Exercise 6.2 -----------------------------------------------------------------------------------


def _honest_reference(X, y, k, cv):
    model = make_pipeline(SelectKBest(f_classif, k=k), LogisticRegression(max_iter=1000))
    return cross_val_score(model, X, y, cv=cv).mean()


def _honest_by_hand(X, y, k, cv):
    splitter = StratifiedKFold(cv) if isinstance(cv, int) else cv
    scores = []
    for train, test in splitter.split(X, y):
        selector = SelectKBest(f_classif, k=k).fit(X[train], y[train])
        model = LogisticRegression(max_iter=1000).fit(selector.transform(X[train]), y[train])
        scores.append(model.score(selector.transform(X[test]), y[test]))
    return float(np.mean(scores))


def _honest_select_first(X, y, k, cv):
    """Selects the k best features on all the data, then cross-validates: the labels leak into the selection."""
    selected = SelectKBest(f_classif, k=k).fit_transform(X, y)
    return cross_val_score(LogisticRegression(max_iter=1000), selected, y, cv=cv).mean()


def _honest_ignores_k(X, y, k, cv):
    """Ignores k and keeps every feature."""
    return cross_val_score(LogisticRegression(max_iter=1000), X, y, cv=cv).mean()


def _honest_per_fold(X, y, k, cv):
    """Returns the folds' scores instead of their mean."""
    model = make_pipeline(SelectKBest(f_classif, k=k), LogisticRegression(max_iter=1000))
    return cross_val_score(model, X, y, cv=cv)


def _honest_unstratified(X, y, k, cv):
    """Turns an integer cv into KFold(cv), not the StratifiedKFold(cv) that cross_val_score uses for a classifier: other folds, another score."""
    splitter = KFold(cv) if isinstance(cv, int) else cv
    model = make_pipeline(SelectKBest(f_classif, k=k), LogisticRegression(max_iter=1000))
    return cross_val_score(model, X, y, cv=splitter).mean()


def _honest_cases():
    rng = np.random.default_rng(12)
    noise = rng.normal(size=(60, 2000))
    labels = rng.integers(0, 2, 60)
    signal = rng.normal(size=(200, 30))
    target = (signal[:, 0] + signal[:, 1] + rng.normal(0, 0.5, 200) > 0).astype(int)
    return [(noise, labels, 20, 5, "random labels"), (signal, target, 2, KFold(4, shuffle=True, random_state=0), "real signal")]


_FOLDS_HINT = ("your score is near chance, so the selection is honest, but the folds differ: an integer cv means "
               "StratifiedKFold(cv), unshuffled, as cross_val_score uses for a classifier, not KFold(cv). Pass cv on to "
               "cross_val_score, or split with StratifiedKFold(cv)")


@register(reference=_honest_reference, also_right=[_honest_by_hand],
          mistakes=[_honest_select_first, _honest_ignores_k, _honest_per_fold, _honest_unstratified])
def honest_cv_score(fn) -> None:
    """Exercise 6.2: ``fn(X, y, k, cv)``: CV accuracy of k-best selection + logistic regression, selection inside each fold."""
    cases = _honest_cases()
    with threadpool_limits(1):  # small models: one BLAS thread is faster than two fighting over the cores
        for X, y, k, cv, what in cases:
            label = f"honest_cv_score(X of shape {X.shape}, y ({what}), k={k}, cv={cv!r})"
            got = _one_number(call(fn, X.copy(), y.copy(), k, cv, label=label), label, "the mean cross-validated accuracy")
            expected = _honest_reference(X, y, k, cv)
            if what == "random labels" and got > 0.7:
                fail(f"{label} returned {got:.2f} on labels that are pure noise; expected close to chance ({expected:.2f}). "
                     "Hint: the selection saw the validation folds' labels. Refit the selection on each fold's "
                     "training part only, together with the model.")
            if abs(got - expected) > 0.02:
                default = ("keep exactly k features (SelectKBest(f_classif, k=k)), fit selection and model on each "
                           "training fold, and average the accuracy over the folds `cv` gives")
                if what == "random labels":  # near chance already (the check above): the folds are the likely culprit
                    default = ("your score is near chance, so the selection may well be honest, but it is not the "
                               "score of the folds `cv` means: for a classifier an integer cv is StratifiedKFold(cv), "
                               "unshuffled, as cross_val_score uses. Also keep exactly k features")
                other_folds = {_FOLDS_HINT: _honest_unstratified(X, y, k, cv)} if isinstance(cv, int) else {}
                fail(f"{label} returned {got:.3f}; expected {expected:.3f}. Hint: {diagnose(got, other_folds, default)}.")
    passed("honest_cv_score", "near chance on random labels, the honest score on real signal")


# --- Exercise 6.3 -----------------------------------------------------------------------------------

K_BEST = 10  # the recipe keeps the 10 best columns


def oversample(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Copy rows of the smaller classes (cycling through them in order) until every class is as large as the largest.

    The same function as the exercise notebook's: the original rows come first, then the copies.
    """
    classes, counts = np.unique(y, return_counts=True)
    copies = [np.resize(np.flatnonzero(y == c), counts.max() - count) for c, count in zip(classes, counts, strict=True)]
    rows = np.concatenate([np.arange(len(y)), *copies])
    return X[rows], y[rows]


def _leaky_score(X, y, cv):
    # the colleague's recipe as given in the exercise
    X_even, y_even = oversample(X, y)
    X_best = SelectKBest(f_classif, k=K_BEST).fit_transform(X_even, y_even)
    return cross_val_score(LogisticRegression(max_iter=1000), X_best, y_even, cv=cv, scoring="balanced_accuracy").mean()


def _fix_reference(X, y, cv):
    scores = []
    for train, validation in cv.split(X, y):
        X_even, y_even = oversample(X[train], y[train])
        selector = SelectKBest(f_classif, k=K_BEST).fit(X_even, y_even)
        model = LogisticRegression(max_iter=1000).fit(selector.transform(X_even), y_even)
        scores.append(balanced_accuracy_score(y[validation], model.predict(selector.transform(X[validation]))))
    return float(np.mean(scores))


def _fix_select_then_balance(X, y, cv):
    # also honest: choose the columns on the fold's real training rows, then copy rows for the model
    scores = []
    for train, validation in cv.split(X, y):
        selector = SelectKBest(f_classif, k=K_BEST).fit(X[train], y[train])
        X_even, y_even = oversample(selector.transform(X[train]), y[train])
        model = LogisticRegression(max_iter=1000).fit(X_even, y_even)
        scores.append(balanced_accuracy_score(y[validation], model.predict(selector.transform(X[validation]))))
    return float(np.mean(scores))


class _Recipe(ClassifierMixin, BaseEstimator):
    """The whole recipe as one estimator, so cross_val_score refits all of it inside each fold."""

    def fit(self, X, y):
        X_even, y_even = oversample(np.asarray(X), np.asarray(y))
        self.selector_ = SelectKBest(f_classif, k=K_BEST).fit(X_even, y_even)
        self.model_ = LogisticRegression(max_iter=1000).fit(self.selector_.transform(X_even), y_even)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        return self.model_.predict(self.selector_.transform(X))


def _fix_as_estimator(X, y, cv):
    return cross_val_score(_Recipe(), X, y, cv=cv, scoring="balanced_accuracy").mean()


def _fix_class_weights(X, y, cv):
    # also honest: class weights give the rare rows the same say as copies would, without copying any
    model = make_pipeline(SelectKBest(f_classif, k=K_BEST), LogisticRegression(max_iter=1000, class_weight="balanced"))
    return cross_val_score(model, X, y, cv=cv, scoring="balanced_accuracy").mean()


def _fix_nothing(X, y, cv):
    """Returns the leaky recipe's score unchanged: copies and selection both see the validation rows."""
    return _leaky_score(X, y, cv)


def _fix_selection_only(X, y, cv):
    """Moves the selection inside the folds but still oversamples before splitting: copies of one rare row sit on both sides."""
    X_even, y_even = oversample(X, y)
    model = make_pipeline(SelectKBest(f_classif, k=K_BEST), LogisticRegression(max_iter=1000))
    return cross_val_score(model, X_even, y_even, cv=cv, scoring="balanced_accuracy").mean()


def _fix_oversampling_only(X, y, cv):
    """Oversamples inside each training fold but still selects the columns on all rows, labels of the validation rows included."""
    X_best = SelectKBest(f_classif, k=K_BEST).fit_transform(X, y)
    scores = []
    for train, validation in cv.split(X, y):
        X_even, y_even = oversample(X_best[train], y[train])
        model = LogisticRegression(max_iter=1000).fit(X_even, y_even)
        scores.append(balanced_accuracy_score(y[validation], model.predict(X_best[validation])))
    return float(np.mean(scores))


def _fix_shuffles_folds(X, y, cv):
    """Shuffles and stratifies the folds of the oversampled rows: the copies still land on both sides."""
    X_even, y_even = oversample(X, y)
    X_best = SelectKBest(f_classif, k=K_BEST).fit_transform(X_even, y_even)
    folds = StratifiedKFold(cv.get_n_splits(), shuffle=True, random_state=0)
    return cross_val_score(LogisticRegression(max_iter=1000), X_best, y_even, cv=folds, scoring="balanced_accuracy").mean()


def rare_condition(n: int, columns: int, signal: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` patients with ``columns`` measurements; the 25 % with the highest risk have the condition.

    The risk is ``signal`` times the sum of the first three columns plus noise, so ``signal=0`` makes
    the label a weighted coin flip that no recipe can beat (balanced accuracy 0.5).
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, columns))
    risk = signal * X[:, :3].sum(axis=1) + rng.normal(size=n)
    return X, (risk > np.quantile(risk, 0.75)).astype(int)


def _fix_cases():
    return [(*rare_condition(120, 1000, 0.0, 38), StratifiedKFold(5, shuffle=True, random_state=38), "coin flips"),
            (*rare_condition(160, 2000, 0.0, 35), StratifiedKFold(4, shuffle=True, random_state=35), "coin flips"),
            (*rare_condition(200, 300, 1.0, 33), StratifiedKFold(5, shuffle=True, random_state=33), "real signal")]


@functools.cache
def _fix_expected(case: int) -> tuple[tuple[float, ...], float]:
    """(the honest scores, the leaky score) of one case, computed once per session: the check runs often."""
    X, y, cv, _ = _fix_cases()[case]
    honest = sorted({round(_fix_reference(X, y, cv), 6), round(_fix_select_then_balance(X, y, cv), 6)})
    return tuple(honest), float(_leaky_score(X, y, cv))


_FIX_HINTS = {
    "that is the leaky score unchanged: the copies and the selection both saw the validation rows. Fit oversampling, "
    "selection and model on each fold's training rows only": _fix_nothing,
    "the selection is inside the folds now, but the rows were copied before splitting, so copies of one rare "
    "row sit in training and in validation. Oversample each fold's training rows only": _fix_selection_only,
    "the copies are fitted inside the folds now, but the 10 columns were chosen on all rows, with the labels of "
    "the validation rows. Choose them on each fold's training rows only": _fix_oversampling_only,
    "shuffling the folds does not help: they are folds of the copied rows, so copies still land on both sides. "
    "Split the real rows first, then copy inside each training fold": _fix_shuffles_folds,
}


@register(reference=_fix_reference, also_right=[_fix_select_then_balance, _fix_as_estimator, _fix_class_weights],
          mistakes=[_fix_nothing, _fix_selection_only, _fix_oversampling_only, _fix_shuffles_folds])
def fix_leaky_pipeline(fn) -> None:
    """Exercise 6.3: ``fn(X, y, cv)``: the recipe's honest cross-validated balanced accuracy on the folds of ``cv``."""
    cases, scores = _fix_cases(), []
    with threadpool_limits(1):  # small models: one BLAS thread is faster than two fighting over the cores
        for case, (X, y, cv, what) in enumerate(cases):
            label = f"fix_leaky_pipeline(X of shape {X.shape}, y ({what}, {y.mean():.0%} rare), cv={cv!r})"
            got = _one_number(call(fn, X.copy(), y.copy(), cv, label=label), label,
                              "the mean balanced accuracy over the folds of cv")
            honest, leaky = _fix_expected(case)
            if min(abs(got - value) for value in honest) <= 0.03:
                scores.append((what, got, leaky))
                continue
            expected = " or ".join(f"{value:.2f}" for value in honest)
            default = ("fit every step (oversampling, selection, model) on the training rows of each fold that "
                       "cv.split(X, y) gives, score the fold's validation rows as they are, uncopied, with balanced "
                       "accuracy, and return the mean over the folds")
            hint = diagnose(got, {text: mistake(X, y, cv) for text, mistake in _FIX_HINTS.items()}, default)
            fail(f"{label} returned {got:.3f}; expected the honest score, {expected} (the colleague's leaky version "
                 f"says {leaky:.2f}). Hint: {hint}.")
    shown = "; ".join(f"{what} {got:.2f} (leaky {leaky:.2f})" for what, got, leaky in scores)
    passed("fix_leaky_pipeline", f"the honest score on all {len(cases)} data sets: {shown}")
