"""Replaying traffic at the real server and reading its metrics back."""

from __future__ import annotations

import pytest

from mlcourse import monitoring, servers, serving, traffic


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    state = tmp_path_factory.mktemp("monitoring")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(servers, "REGISTRY_DIR", state / "servers")
        patch.setattr(servers, "LOG_DIR", state / "logs")
        with servers.running("model-monitoring",
                             lambda port: serving.command(port, serving.ensure_model(state / "m.skops"), "m-1")) as s:
            yield s


def test_replay_posts_each_request_once_and_the_scrape_counts_exactly_those(server):
    stream = traffic.simulate(days=1, per_hour=10, seed=3)
    before = monitoring.scrape(server.url)
    answers = monitoring.replay(server.url, stream, concurrency=4)
    after = monitoring.scrape(server.url)
    assert len(answers) == len(stream) and (answers["status"] == 200).all()
    assert set(answers["model_version"]) == {"m-1"}
    sent = monitoring.value(after, "model_requests_total", path="/predict", status="200") - \
        monitoring.value(before, "model_requests_total", path="/predict", status="200")
    assert sent == len(stream)
    by_species = answers["species"].value_counts()
    for species, count in by_species.items():
        moved = monitoring.value(after, "model_predictions_total", species=species) - \
            monitoring.value(before, "model_predictions_total", species=species)
        assert moved == count
    assert monitoring.value(after, "no_such_metric") == 0.0
