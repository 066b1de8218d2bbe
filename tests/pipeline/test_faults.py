"""Fault injection with real processes (pipeline/evals/faults.py, also `make faults`): after each fault the
rerun's build holds every input id exactly once, its counts add up, and it was made with the current config;
a kill between the output swaps leaves the old build or the new one, whole."""
import pytest

from pipeline.evals.faults import KILL_POINTS, SCENARIOS


@pytest.mark.parametrize("point", KILL_POINTS)
def test_driver_killed_at_any_point_loses_nothing(tmp_path, point):
    r = SCENARIOS[f"kill:{point}"](tmp_path)
    assert r["survived"] and r["lost"] == 0 and r["duplicated"] == 0, r
    assert "whole" in r["note"], r


def test_corrupt_input_files_are_recorded_and_the_run_goes_on(tmp_path):
    r = SCENARIOS["corrupt"](tmp_path)
    assert r["survived"] and r["lost"] == 0 and r["duplicated"] == 0, r


def test_two_runs_at_once_one_stops_with_a_clear_message(tmp_path):
    r = SCENARIOS["concurrent"](tmp_path)
    assert r["survived"] and r["lost"] == 0 and r["duplicated"] == 0, r


@pytest.mark.ray
def test_a_killed_ray_worker_is_restarted_and_its_unit_retried(tmp_path):
    r = SCENARIOS["ray_worker"](tmp_path)
    assert r["survived"] and r["lost"] == 0 and r["duplicated"] == 0, r


def test_disk_full_is_one_clear_error_and_the_rerun_completes(tmp_path):
    r = SCENARIOS["disk_full"](tmp_path)
    if "skipped" in r:
        pytest.skip(r["skipped"])
    assert r["survived"] and r["lost"] == 0 and r["duplicated"] == 0, r
    assert r["note"].startswith("error: disk full while writing under"), r
