"""Shadow traffic and a canary: who answers, what is logged, and that clients never see a shadow's answer."""

from __future__ import annotations

import http.client
import json

import numpy as np
import pytest
import skops.io
from fastapi.testclient import TestClient

from mlcourse import rollout, servers, serving, train

GOOD = {"features": [18.7, 181, 3750]}


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """The course's model and a weaker challenger (a tenth of the learning rate, two epochs)."""
    folder = tmp_path_factory.mktemp("rollout")
    champion = serving.ensure_model(folder / "champion.skops")
    weak, _ = train.fit(train.Params(alpha=1e-4, learning_rate=0.003, epochs=2, seed=1),
                        train.split(train.load_table()[0]))
    skops.io.dump(weak, folder / "challenger.skops")
    return champion, folder / "challenger.skops"


def penguins(n: int) -> list[list[float]]:
    rows = train.load_table()[0][train.FEATURES].to_numpy().tolist()
    return [rows[i % len(rows)] for i in range(n)]


def test_a_canary_answers_about_its_share_and_each_answer_names_its_version(models):
    champion, challenger = models
    plan = rollout.Rollout(challenger, "v2", "canary", share=0.2, seed=3)
    with TestClient(serving.create_app(champion, "v1", rollout=plan)) as client:
        versions = [client.post("/predict", json={"features": row}).json()["model_version"] for row in penguins(500)]
        metrics = client.get("/metrics").text
    share = versions.count("v2") / len(versions)
    assert set(versions) == {"v1", "v2"} and 0.15 < share < 0.25  # 0.2 give or take 3 standard errors
    assert f'model_answers_total{{version="v2"}} {versions.count("v2")}.0' in metrics


def test_the_shadow_scores_every_request_logs_it_and_never_answers_on_the_real_server(models, tmp_path, monkeypatch):
    monkeypatch.setattr(servers, "REGISTRY_DIR", tmp_path / "servers")
    monkeypatch.setattr(servers, "LOG_DIR", tmp_path / "logs")
    champion, challenger = models
    log = tmp_path / "shadow.jsonl"

    def command(port):
        return [*serving.command(port, champion, "v1"), "--challenger", str(challenger), "--challenger-version", "v2",
                "--rollout", "shadow", "--shadow-log", str(log)]

    rows = penguins(60)
    with servers.running("model-shadow", command) as server:
        connection = http.client.HTTPConnection(servers.HOST, server.port, timeout=10)
        answers = []
        for row in rows:
            connection.request("POST", "/predict", body=json.dumps({"features": row}),
                               headers={"Content-Type": "application/json"})
            answers.append(json.loads(connection.getresponse().read()))
        connection.close()
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert {a["model_version"] for a in answers} == {"v1"}  # clients only ever see the champion
    assert len(lines) == len(rows) and [line["champion"] for line in lines] == [a["species"] for a in answers]
    assert any(not line["agree"] for line in lines)  # the weaker challenger disagrees somewhere: worth knowing


def test_a_rollout_is_refused_with_a_handler_it_cannot_use_and_with_a_share_out_of_range(models):
    champion, challenger = models
    with pytest.raises(ValueError, match="async handler"):
        serving.create_app(champion, handler="batched", rollout=rollout.Rollout(challenger))
    with pytest.raises(ValueError, match="between 0 and 1"):
        rollout.Rollout(challenger, mode="canary", share=1.5)
    with pytest.raises(ValueError, match="mode must be"):
        rollout.Rollout(challenger, mode="blue-green")


def _outcomes(seed: int, n: int, champion_error: float, canary_error: float, share: float = 0.2):
    rng = np.random.default_rng(seed)
    canary = rng.random(n) < share
    wrong = rng.random(n) < np.where(canary, canary_error, champion_error)
    return [("v2" if c else "v1", not w) for c, w in zip(canary, wrong, strict=True)]


def test_the_rollback_rule_rolls_a_clearly_worse_canary_back_and_rarely_a_canary_as_good():
    worse = [rollout.canary_verdict(_outcomes(seed, 3000, 0.18, 0.30), "v2") for seed in range(20)]
    assert all(v.roll_back for v in worse) and all(v.canary_labelled >= 50 for v in worse)
    same = [rollout.canary_verdict(_outcomes(seed, 3000, 0.18, 0.18), "v2") for seed in range(100)]
    assert sum(v.roll_back for v in same) <= 3  # false alarms: checked at every outcome, still rare


def test_the_rollback_rule_waits_for_enough_labels():
    few = _outcomes(0, 100, 0.1, 0.9)  # a terrible canary, but only about 20 labelled answers
    verdict = rollout.canary_verdict(few, "v2", min_labelled=50)
    assert not verdict.roll_back and verdict.canary_labelled < 50
