# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The scale benchmarks of tests/benchmarks/run.py run, at tiny sizes; only their call counts are asserted.

Wall times and memory are the benchmark's to report (tests/benchmarks/run.py scale batch_scale), not a test's.
"""

from __future__ import annotations

import importlib.util
import os

HERE = os.path.dirname(os.path.abspath(__file__))
RUN_PY = os.path.join(os.path.dirname(HERE), 'benchmarks', 'run.py')


def load_benchmarks():
    spec = importlib.util.spec_from_file_location('privx_benchmarks_run', RUN_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_scale_variant_checks_out_each_path_once_with_one_token(collections_path, tmp_path):
    result = load_benchmarks().bench_scale(str(tmp_path), collections_path, hosts=20, forks=10, rounds=1)
    assert result['checkouts_made'] == [3]
    assert result['token_grants'] == [1]
    assert result['checkouts_left_active_after_run'] == 0
    assert result['agent_memory'] is not None and result['agent_memory']['samples'] > 0


def test_batch_scale_variant_converges_then_changes_nothing(collections_path, tmp_path):
    result = load_benchmarks().bench_batch_scale(str(tmp_path), collections_path, accounts=50, scanned=100)
    first, rerun = result['first_convergence'], result['no_change_rerun']
    assert first['changed'] and not rerun['changed']
    assert result['managed_after'] == 50
    # token, domain search, managed list, scanned list, one batch create; the rerun only reads
    assert first['http_calls'] == 5, first['calls_by_endpoint']
    assert rerun['http_calls'] == 3, rerun['calls_by_endpoint']
    assert first['module_peak_rss_MiB'] and rerun['module_peak_rss_MiB']


def test_module_tasks_on_the_controller_share_the_runs_one_token(collections_path, tmp_path):
    result = load_benchmarks().bench_module_token(str(tmp_path), collections_path, tasks=5)
    # before the modules' action plugin: one grant per module task (5), and one more for the lookup
    assert result['modules_only']['token_grants'] == 1
    assert result['lookup_and_modules']['token_grants'] == 1
