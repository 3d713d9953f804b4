"""The promotion gate: a candidate model reaches production only if it earns it.

CI/CD for a model is the same pipeline as for code (commit, build, test,
staging, production) with one more gate: the candidate must pass its data
tests and beat the model in production on the **validation** set by a margin
(never on the test set, which stays for the one final estimate). In MLflow's
model registry the two roles are aliases on versions of one registered model:
``champion`` (in production) and ``challenger`` (the candidate). Serving
code loads ``models:/penguin-species@champion``, so promoting is moving an
alias, and rolling back is moving it back.

``mlcourse promote CANDIDATE`` runs the gate and exits 0 when the candidate
is promoted, 1 when it is refused (with every reason), and 2 for a request it
cannot judge (an unknown model, version or alias), so a CI job can run it as
a step. Lesson 14 shows both outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mlcourse import data, tracking, train
from mlcourse.errors import CourseError

MODEL = "penguin-species"
CHAMPION, CHALLENGER = "champion", "challenger"


@dataclass
class Decision:
    """The gate's verdict on a candidate, with every reason it was refused (none when promoted)."""

    candidate: str
    champion: str | None
    promote: bool
    reasons: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        verdict = "PROMOTE" if self.promote else "REFUSE"
        against = f"champion v{self.champion}" if self.champion else "no champion yet"
        lines = [f"{verdict} v{self.candidate} (against {against})"]
        return "\n".join(lines + [f"  - {reason}" for reason in self.reasons])


def decide(candidate: dict, champion: dict | None, metric: str = "val_loss", margin: float = 0.005,
           lower_is_better: bool = True) -> list[str]:
    """Every reason ``candidate`` may not replace ``champion`` (an empty list: promote).

    Each is ``{"status": ..., "metrics": {...}, "data_ok": bool}``; only
    ``metrics[metric]``, a validation metric, is compared.
    """
    reasons = []
    if candidate.get("status") != "FINISHED":
        reasons.append(f"its run did not finish (status {candidate.get('status')})")
    if not candidate.get("data_ok"):
        reasons.append("its data tests fail: the data it was trained on is not the data file the tests checked")
    value = candidate.get("metrics", {}).get(metric)
    if value is None:
        reasons.append(f"it has no {metric} to compare")
    elif champion is not None and (best := champion.get("metrics", {}).get(metric)) is not None:
        gain = (best - value) if lower_is_better else (value - best)
        if gain < margin:
            reasons.append(f"{metric} {value:.4f} against the champion's {best:.4f}: a gain of {gain:+.4f}, "
                           f"less than the margin {margin}")
    return reasons


def _evidence(client, version) -> dict:
    run = client.get_run(version.run_id)
    recorded = run.data.tags.get("data_sha256")
    return {"status": run.info.status, "metrics": dict(run.data.metrics),
            "data_ok": recorded is not None and recorded == data.sha256(train.DATA_FILE)}


def resolve(client, name: str, candidate: str):
    """The model version ``candidate`` names: a number, or ``@alias``; a CourseError if there is none."""
    from mlflow.exceptions import MlflowException

    try:
        client.get_registered_model(name)
    except MlflowException:
        raise CourseError(f"no registered model {name!r} in the course store; register one first (lesson 12)") from None
    try:
        if candidate.startswith("@"):
            return client.get_model_version_by_alias(name, candidate[1:])
        return client.get_model_version(name, str(int(candidate)))
    except (MlflowException, ValueError):
        raise CourseError(f"{name} has no version {candidate!r} (give a number, or @alias)") from None


def promote(candidate: str, name: str = MODEL, metric: str = "val_loss", margin: float = 0.005,
            client=None) -> Decision:
    """Run the gate on ``candidate``; move ``challenger`` to it, and ``champion`` too if it passes."""
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    if client is None:
        tracking.use_store()
        client = MlflowClient(tracking.tracking_uri())
    version = resolve(client, name, candidate)
    try:
        champion = client.get_model_version_by_alias(name, CHAMPION)
    except MlflowException:
        champion = None
    if champion is not None and str(champion.version) == str(version.version):
        return Decision(str(version.version), str(champion.version), False, ["it is the champion already"])
    reasons = decide(_evidence(client, version), _evidence(client, champion) if champion else None, metric, margin)
    client.set_registered_model_alias(name, CHALLENGER, version.version)
    if not reasons:
        client.set_registered_model_alias(name, CHAMPION, version.version)
    return Decision(str(version.version), str(champion.version) if champion else None, not reasons, reasons)
