"""Checks for lesson 06 (data splitting): group_split, honest_cv_score."""

from __future__ import annotations

import numpy as np
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupShuffleSplit, KFold, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline

from mlcourse.check._core import call, fail, passed, register


def _group_split_reference(groups, test_size, seed):
    splitter = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=seed)
    return next(splitter.split(np.zeros(len(groups)), groups=groups))


def _group_split_by_hand(groups, test_size, seed):
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


def _group_cases():
    rng = np.random.default_rng(11)
    patients = np.repeat(np.arange(40), rng.integers(2, 6, 40))  # 40 patients, 2 to 5 visits each
    return [(patients, 0.25), (np.array(["a", "a", "b", "b", "c", "c", "d", "d", "e", "e"] * 3), 0.2),
            (np.arange(50) // 2, 0.3)]


@register(reference=_group_split_reference, also_right=[_group_split_by_hand],
          mistakes=[_group_split_rows, _group_split_ignores_seed, _group_split_one_group])
def group_split(fn) -> None:
    """Exercise 6.1: ``fn(groups, test_size, seed)`` returns ``(train_idx, test_idx)`` keeping groups whole."""
    cases = _group_cases()
    for groups, test_size in cases:
        label = f"group_split(<{len(groups)} rows in {len(np.unique(groups))} groups>, test_size={test_size}, seed=0)"
        train, test = (np.asarray(part) for part in call(fn, groups.copy(), test_size, 0, label=label))
        if sorted(np.concatenate([train, test]).tolist()) != list(range(len(groups))):
            fail(f"{label}: train and test together do not hold every row exactly once; expected a partition of 0..{len(groups) - 1}.")
        if shared := sorted(set(groups[train]) & set(groups[test])):
            fail(f"{label}: groups {shared[:5]} have rows on both sides; expected each group wholly in train or in test. "
                 "Hint: choose *groups* for the test set (GroupShuffleSplit), not rows.")
        share, largest = len(test) / len(groups), np.unique(groups, return_counts=True)[1].max() / len(groups)
        if abs(share - test_size) > largest + 0.05:
            fail(f"{label}: the test set holds {share:.0%} of the rows; expected close to {test_size:.0%}. "
                 "Hint: keep adding groups to the test set until it holds about test_size of the rows.")
        again = np.asarray(call(fn, groups.copy(), test_size, 0, label=label)[1])
        others = [np.sort(np.asarray(call(fn, groups.copy(), test_size, seed, label=label)[1])) for seed in range(1, 6)]
        if not np.array_equal(np.sort(again), np.sort(test)):
            fail(f"{label}: the same seed gave a different split; expected the same. Hint: draw randomness from the seed only.")
        if all(np.array_equal(other, np.sort(test)) for other in others):
            fail(f"{label}: seeds 0 to 5 all gave the same split; expected different ones. Hint: pass the seed to the splitter.")
    passed("group_split", f"no group on both sides, right test share, seeded, on all {len(cases)} cases")


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


def _honest_cases():
    rng = np.random.default_rng(12)
    noise = rng.normal(size=(60, 2000))
    labels = rng.integers(0, 2, 60)
    signal = rng.normal(size=(200, 30))
    target = (signal[:, 0] + signal[:, 1] + rng.normal(0, 0.5, 200) > 0).astype(int)
    return [(noise, labels, 20, 5, "random labels"), (signal, target, 2, KFold(4, shuffle=True, random_state=0), "real signal")]


@register(reference=_honest_reference, also_right=[_honest_by_hand], mistakes=[_honest_select_first, _honest_ignores_k])
def honest_cv_score(fn) -> None:
    """Exercise 6.2: ``fn(X, y, k, cv)``: CV accuracy of k-best selection + logistic regression, selection inside each fold."""
    cases = _honest_cases()
    for X, y, k, cv, what in cases:
        label = f"honest_cv_score(X of shape {X.shape}, y ({what}), k={k}, cv={cv!r})"
        got = float(call(fn, X.copy(), y.copy(), k, cv, label=label))
        expected = _honest_reference(X, y, k, cv)
        if what == "random labels" and got > 0.7:
            fail(f"{label} returned {got:.2f} on labels that are pure noise; expected close to chance ({expected:.2f}). "
                 "Hint: the selection saw the test folds' labels. Put SelectKBest and the model in one Pipeline and "
                 "cross-validate the pipeline, so the selection is refitted inside each fold.")
        if abs(got - expected) > 0.02:
            fail(f"{label} returned {got:.3f}; expected {expected:.3f}. Hint: keep exactly k features "
                 "(SelectKBest(f_classif, k=k)) and score with cross_val_score(pipeline, X, y, cv=cv).mean().")
    passed("honest_cv_score", "near chance on random labels, the honest score on real signal")
