"""The promotion gate on a real MLflow registry: promote, refuse with reasons, and refuse to judge bad input."""

from __future__ import annotations

import mlflow
import pytest

from mlcourse import promotion, train
from mlcourse.workbook.cli import main as cli_main

GOOD = train.Params(alpha=1e-4, learning_rate=0.03, epochs=8, seed=0)
WORSE = train.Params(alpha=1e-4, learning_rate=0.0005, epochs=2, seed=0)  # too few, too small steps: higher loss


def register(params) -> str:
    record = train.run(params, track=True, quiet=True)
    return str(mlflow.register_model(record["model_uri"], promotion.MODEL).version)


def test_the_decision_names_every_reason_and_never_looks_past_the_validation_metric():
    champion = {"status": "FINISHED", "metrics": {"val_loss": 0.40, "test_loss": 0.90}, "data_ok": True}
    better = {"status": "FINISHED", "metrics": {"val_loss": 0.38, "test_loss": 0.99}, "data_ok": True}
    assert promotion.decide(better, champion, margin=0.01) == []
    assert promotion.decide(better, None) == []  # no champion yet
    reasons = promotion.decide({"status": "FAILED", "metrics": {"val_loss": 0.397}, "data_ok": False}, champion,
                               margin=0.01)
    assert len(reasons) == 3 and "did not finish" in reasons[0] and "data tests" in reasons[1] and "margin" in reasons[2]
    assert "no val_loss" in promotion.decide({"status": "FINISHED", "metrics": {}, "data_ok": True}, champion)[0]


def test_promote_makes_the_first_version_champion_then_refuses_a_worse_one_from_the_command_line(state, capsys):
    first, second = register(GOOD), register(WORSE)
    assert cli_main(["promote", first]) == 0
    assert capsys.readouterr().out.startswith(f"PROMOTE v{first} (against no champion yet)")
    assert cli_main(["promote", "--margin", "0.001", second]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"REFUSE v{second} (against champion v{first})") and "less than the margin" in out
    client = mlflow.MlflowClient()
    assert str(client.get_model_version_by_alias(promotion.MODEL, "champion").version) == first
    assert str(client.get_model_version_by_alias(promotion.MODEL, "challenger").version) == second
    assert cli_main(["promote", "@champion"]) == 1 and "champion already" in capsys.readouterr().out


def test_a_candidate_trained_on_other_data_fails_its_data_tests(state, tmp_path):
    first = register(GOOD)
    edited = tmp_path / "notes.csv"
    edited.write_text(train.DATA_FILE.read_text(encoding="utf-8").replace("\n", "\n" + train.DATA_FILE.read_text(encoding="utf-8").splitlines()[1] + "\n", 1), encoding="utf-8")
    record = train.run(GOOD, data_path=edited, track=True, quiet=True)
    other = str(mlflow.register_model(record["model_uri"], promotion.MODEL).version)
    promotion.promote(first)
    decision = promotion.promote(other)
    assert not decision.promote and any("data tests" in reason for reason in decision.reasons)


@pytest.mark.parametrize(("args", "message"), [
    (["promote", "--model", "no-such-model", "1"], "no registered model 'no-such-model'"),
    (["promote", "7"], "has no version '7'"),
    (["promote", "@nope"], "has no version '@nope'"),
    (["promote", "latest"], "has no version 'latest'"),
])
def test_the_gate_refuses_to_judge_what_it_cannot_find_with_exit_status_2(state, capsys, args, message):
    register(GOOD)
    assert cli_main(args) == 2
    assert message in capsys.readouterr().err
