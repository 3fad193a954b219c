"""A sweep gives the same rows, seed for seed, on a Dask or Ray cluster as on the
local process pool. Each test starts its own local cluster and skips when the
optional package is not installed."""

from __future__ import annotations

import importlib.util

import pandas as pd
import pytest

from matcher.analysis.executors import ExecutorUnavailable, run_all
from matcher.analysis.sweep import SweepResult, run_sweep
from models.scenario import Scenario
from tests.analysis.conftest import SWEEP


def _missing(module: str) -> bool:
    return importlib.util.find_spec(module) is None


@pytest.mark.skipif(_missing("distributed"),
                    reason='dask[distributed] not installed (pip install -e ".[dask]")')
def test_dask_cluster_gives_the_local_pool_result(
    small: Scenario, pool_sweep: SweepResult
) -> None:
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        remote = run_sweep(small, SWEEP, executor="dask", address=cluster.scheduler_address)
    pd.testing.assert_frame_equal(pool_sweep.rows, remote.rows)


@pytest.mark.skipif(_missing("ray"), reason='ray not installed (pip install -e ".[ray]")')
def test_ray_gives_the_local_pool_result(small: Scenario, pool_sweep: SweepResult) -> None:
    remote = run_sweep(small, SWEEP, executor="ray", workers=2)
    pd.testing.assert_frame_equal(pool_sweep.rows, remote.rows)


def test_an_unknown_executor_is_refused(small: Scenario) -> None:
    with pytest.raises(ValueError, match="unknown executor"):
        run_all(lambda sc, item: item, small, [1, 2], executor="spark")  # type: ignore[arg-type]


@pytest.mark.skipif(not _missing("ray"), reason="ray is installed")
def test_a_missing_package_is_reported_clearly(small: Scenario) -> None:
    with pytest.raises(ExecutorUnavailable, match=r"pip install"):
        run_all(lambda sc, item: item, small, [1], executor="ray")
