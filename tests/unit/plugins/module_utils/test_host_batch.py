# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Many hosts' rotation in one task (converge/host_rotation_batch.py) against the one fake: the hosts read together,
the names resolved once, a PUT only per host that changes, the outcome lists, and what a failed write reports."""

from __future__ import annotations

import pytest
import requests

from ansible_collections.privx.secrets.plugins.module_utils.converge.chunked import PrivXBatchError
from ansible_collections.privx.secrets.plugins.module_utils.converge.host_rotation import Names
from ansible_collections.privx.secrets.plugins.module_utils.converge.host_rotation_batch import HostBatchRequest, converge_host_rotation_batch
from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXApiError, PrivXConfigError
from ansible_collections.privx.secrets.plugins.module_utils.resources.hosts import Hosts
from ansible_collections.privx.secrets.plugins.module_utils.resources.password_policies import PasswordPolicies
from ansible_collections.privx.secrets.plugins.module_utils.resources.script_templates import ScriptTemplates

OVERLOADED = PrivXApiError('PUT', '', 503, error_code='TOO_MANY_CONNECTIONS')
ROTATING = {'operating_system': 'LINUX', 'protocol': 'SSH', 'password_policy_id': 'p-default', 'script_template_id': 't-chpasswd'}
ENABLE = {'operating_system': 'LINUX', 'password_policy': 'default', 'script_template': 'linux-chpasswd'}


def entry(name, **options):
    return dict({'host': name, 'state': 'present'}, **options)


def converge(privx, entries, check_mode=False):
    client = privx.client()
    names = Names(PasswordPolicies(client), ScriptTemplates(client))
    return converge_host_rotation_batch(Hosts(client), names, HostBatchRequest(entries), check_mode=check_mode)


def fleet(privx, count):
    """``count`` hosts without rotation, each with root, and one that rotates (old01)."""
    for number in range(count):
        privx.host('web%02d' % number, 'root', addresses=['10.0.0.%d' % number])
    privx.host('old01', 'root', password_rotation_enabled=True, password_rotation=dict(ROTATING))


def declared(count):
    """What the module gets for ``fleet``: its argument spec fills in each account's rotate: true."""
    return [entry('web%02d' % number, accounts=[{'username': 'root', 'rotate': True, 'initial_password': 'first-%d' % number}], **ENABLE)
            for number in range(count)] + [entry('old01', state='absent')]


def calls(privx):
    return [(method, path) for method, path, _body in privx.calls]


def test_hosts_are_read_in_one_search_names_resolved_once_and_only_changed_hosts_written(privx):
    fleet(privx, 5)
    result = converge(privx, declared(5), check_mode=True)
    assert (result['created'], result['updated'], result['deleted']) == (['web%02d' % n for n in range(5)], [], ['old01'])
    assert privx.writes() == [] and result['changed'] is True
    assert result['diff'][0]['before_header'] == 'web00' and 'first-0' not in repr(result)

    privx.calls.clear()
    result = converge(privx, declared(5))
    assert calls(privx) == [('POST', paths.HOST_SEARCH), ('GET', paths.PASSWORD_POLICIES), ('GET', paths.SCRIPT_TEMPLATES)] + \
        [('PUT', paths.host(host['id'])) for host in privx.hosts]
    assert privx.calls[0][2] == {'common_name': ['web%02d' % n for n in range(5)] + ['old01']}
    assert [host['principals'][0].get('passphrase') for host in privx.hosts[:5]] == ['first-%d' % n for n in range(5)]
    assert privx.hosts[5]['password_rotation_enabled'] is False and 'password_rotation' not in privx.hosts[5]
    assert [item['common_name'] for item in result['host_password_rotations']] == ['web%02d' % n for n in range(5)] + ['old01']

    privx.calls.clear()
    result = converge(privx, declared(5))
    assert result['changed'] is False and (result['created'], result['updated'], result['deleted'], result['diff']) == ([], [], [], [])
    assert privx.writes() == [] and len(privx.calls) == 3


def test_a_name_no_common_name_matches_is_looked_for_by_address_all_at_once(privx):
    fleet(privx, 3)
    result = converge(privx, [entry('10.0.0.1', **ENABLE), entry('10.0.0.2', **ENABLE), entry('web00', state='absent')],
                      check_mode=True)
    assert result['created'] == ['web01', 'web02'] and result['updated'] == [] and result['changed'] is True
    searches = [body for method, path, body in privx.calls if path == paths.HOST_SEARCH]
    assert searches == [{'common_name': ['10.0.0.1', '10.0.0.2', 'web00']}, {'address': ['10.0.0.1', '10.0.0.2']}]


def test_everything_is_checked_before_any_write(privx):
    fleet(privx, 2)
    with pytest.raises(PrivXConfigError, match=r"^2 hosts are not in PrivX's host store .*: nope1, nope2$"):
        converge(privx, [entry('web00', **ENABLE), entry('nope1'), entry('nope2')])
    with pytest.raises(PrivXConfigError, match=r"^host 'web01' has no account 'rooot'"):
        converge(privx, [entry('web00', **ENABLE), entry('web01', accounts=[{'username': 'rooot'}], **ENABLE)])
    with pytest.raises(PrivXConfigError, match=r"^hosts names host 'web01' twice \(as 'web01' and as '10.0.0.1'\)$"):
        converge(privx, [entry('web01', **ENABLE), entry('10.0.0.1', **ENABLE)])
    assert privx.writes() == []
    privx.calls.clear()
    with pytest.raises(PrivXConfigError, match=r"^hosts\[1\] and hosts\[2\] both name host 'WEB00'$"):
        converge(privx, [entry('web01'), entry('web00'), entry('WEB00')])
    with pytest.raises(PrivXConfigError, match=r'^hosts\[0\]: winrm_port must be between 1 and 65535, got 0$'):
        converge(privx, [entry('web01', winrm_port=0)])
    assert privx.calls == []


def test_a_failed_write_says_which_hosts_were_applied_and_which_not(privx):
    fleet(privx, 4)
    privx.script('PUT', None, *([None] * 2 + [OVERLOADED] * 10))
    with pytest.raises(PrivXBatchError) as caught:
        converge(privx, declared(4))
    message = str(caught.value)
    assert message.startswith('host write (PUT; the host store has no batch call) chunk 3 of 4 failed, so its 1 host(s) were not '
                              'applied (web02): '), message
    assert caught.value.result_fields() == {'changed': True, 'applied': {'created': ['web00', 'web01'], 'updated': [], 'deleted': []},
                                            'not_applied': {'created': ['web02', 'web03'], 'updated': [], 'deleted': ['old01']}}


def test_a_write_without_an_answer_is_unknown_not_not_applied(privx):
    fleet(privx, 2)
    privx.script('PUT', None, *([requests.exceptions.ReadTimeout('Read timed out')] * 10))
    with pytest.raises(PrivXBatchError) as caught:
        converge(privx, declared(2))
    assert 'got no answer, so whether its 1 host(s) were applied is unknown (web00)' in str(caught.value)
    fields = caught.value.result_fields()
    assert fields['unknown'] == {'created': ['web00'], 'updated': [], 'deleted': []}
    assert fields['not_applied'] == {'created': ['web01'], 'updated': [], 'deleted': ['old01']} and fields['changed'] is True
