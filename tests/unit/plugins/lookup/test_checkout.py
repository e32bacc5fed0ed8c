# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The checkout lookup's choice of release mode from its option and the run's variables (no agent, no PrivX)."""

from __future__ import annotations

import pytest

from ansible_collections.privx.secrets.plugins.lookup.checkout import release_mode


@pytest.mark.parametrize('variables', [{'awx_job_id': 42}, {'tower_job_id': 42}, {'awx_job_id': 42, 'awx_workflow_job_id': 41}])
def test_auto_leaves_checkouts_to_expire_in_an_awx_job_and_says_why(variables):
    mode, reason = release_mode('auto', variables)
    assert mode == 'expiry'
    assert reason.startswith('release=auto in an AWX job (awx_job_id 42)') and 'privx_checkout_release=play' in reason


@pytest.mark.parametrize('variables', [{}, {'awx_job_id': None}, {'job_id': 42}])
def test_auto_releases_at_the_end_of_the_play_elsewhere(variables):
    assert release_mode('auto', variables) == ('play', None)


@pytest.mark.parametrize('choice', ['play', 'run', 'expiry'])
def test_a_choice_is_kept_even_in_an_awx_job(choice):
    assert release_mode(choice, {'awx_job_id': 42}) == (choice, None)
