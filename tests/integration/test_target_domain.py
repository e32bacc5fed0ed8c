# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""privx.secrets.target_domain through real ansible-playbook runs, reading the emulator back between steps."""

from __future__ import annotations

import pytest

import os
import time

import requests

from conftest import assert_no_secret, connection_env, failed_cleanly

SM = '/secrets-manager/api/v1'
NAME = 'ad.test.example.com'
BIND_PASSWORD = 'planted-bind-Pa55word-1'
NEW_BIND_PASSWORD = 'planted-bind-Pa55word-2'
# The bind password reaches the tasks through the environment, so that no file the test writes holds it.
FROM_ENV = "{{ lookup('ansible.builtin.env', 'BIND_PASSWORD') }}"
VOLATILE = ('updated', 'updated_by', 'scan_status', 'scan_message', 'last_scanned')


def ad_endpoint(**fields):
    return dict({'type': 'AD', 'ldap_protocol': 'LDAPS', 'ldap_address': 'dc1.test.example.com', 'ldap_port': 636,
                 'ldap_base_dn': 'DC=test,DC=example,DC=com', 'ldap_bind_dn': 'CN=scan,DC=test,DC=example,DC=com',
                 'ldap_bind_password': FROM_ENV}, **fields)


def domain_args(**fields):
    return dict({'name': NAME, 'domain_name': 'test.example.com', 'comment': 'test AD', 'endpoints': [ad_endpoint()]}, **fields)


class PrivXReader:
    """Reads target domains and scanned accounts through the emulator's API as the admin client (not through a module)."""

    def __init__(self, emulator):
        self.emulator = emulator

    def _get(self, path, method='GET', body=None):
        client = self.emulator.clients['admin']
        token = requests.post(self.emulator.url + '/auth/api/v1/oauth/token', verify=self.emulator.ca_path, timeout=10,
                              auth=(client['oauth_client_id'], client['oauth_client_secret']),
                              data={'grant_type': 'password', 'username': client['client_id'], 'password': client['client_secret']})
        answer = requests.request(method, self.emulator.url + SM + path, json=body, verify=self.emulator.ca_path, timeout=10,
                                  headers={'Authorization': 'Bearer ' + token.json()['access_token']})
        answer.raise_for_status()
        return answer.json() if answer.content else None

    def delete(self, name):
        self._get('/targetdomains/%s' % self.domain(name)['id'], method='DELETE')

    def domains(self):
        return {domain['name']: domain for domain in self._get('/targetdomains?limit=1000')['items']}

    def domain(self, name):
        return self.domains().get(name)

    def scanned(self, name):
        return {account['username']: account for account in self._get('/targetdomains/%s/accounts?limit=1000' % self.domain(name)['id'])['items']}


def stable(domain):
    return {key: value for key, value in domain.items() if key not in VOLATILE}


def writes_since(privx, mark):
    return [(entry['method'], entry['path']) for entry in privx.control.requests(since=mark)
            if entry['method'] != 'GET' and not entry['path'].endswith(('/search', '/token'))]


def bind_secrets(privx, name=NAME):
    return [entry['ldap_bind_password'] for entry in privx.control.target_domain_secrets(name)]


@pytest.mark.both_renderings
def test_check_create_rerun_change_rerun_delete_delete(ansible, privx):
    reader = PrivXReader(privx)
    env = {'BIND_PASSWORD': BIND_PASSWORD}
    args = domain_args()

    mark = privx.control.mark()
    result, _run = ansible.module('privx.secrets.target_domain', args, check=True, env=env)
    assert result['changed'] is True and result['target_domain']['name'] == NAME and result['target_domain']['enabled'] is True
    assert result['target_domain']['endpoints'][0]['ldap_address'] == 'dc1.test.example.com'
    assert reader.domain(NAME) is None, 'check mode wrote to PrivX'
    assert writes_since(privx, mark) == []

    result, _run = ansible.module('privx.secrets.target_domain', args, env=env)
    assert result['changed'] is True
    created = reader.domain(NAME)
    assert created['domain_name'] == 'test.example.com' and created['comment'] == 'test AD' and created['enabled'] is True
    assert created['endpoints'] == [{'type': 'AD', 'scan_priority': 0, 'rotation_priority': 0, 'ldap_protocol': 'LDAPS',
                                     'ldap_address': 'dc1.test.example.com', 'ldap_port': 636, 'ldap_base_dn': 'DC=test,DC=example,DC=com',
                                     'ldap_bind_dn': 'CN=scan,DC=test,DC=example,DC=com'}]
    assert result['target_domain']['id'] == created['id']
    assert bind_secrets(privx) == [BIND_PASSWORD], 'the bind password is stored on create'

    mark = privx.control.mark()
    result, _run = ansible.module('privx.secrets.target_domain', args, env=env)
    assert result['changed'] is False
    assert writes_since(privx, mark) == []
    assert stable(reader.domain(NAME)) == stable(created)

    changed_args = domain_args(comment='moved', periodic_scan=True, endpoints=[ad_endpoint(ldap_user_filter='(objectClass=user)')])
    result, _run = ansible.module('privx.secrets.target_domain', changed_args, diff=True, env=env)
    assert result['changed'] is True
    assert set(result['diff']['before']) == {'comment', 'periodic_scan', 'endpoints'}
    assert result['diff']['after']['comment'] == 'moved' and result['diff']['after']['periodic_scan'] is True
    assert 'ldap_bind_password' not in result['diff']['after']['endpoints'][0], 'on_create: an existing endpoint gets no new secret'
    updated = reader.domain(NAME)
    assert updated['comment'] == 'moved' and updated['periodic_scan'] is True
    assert updated['endpoints'][0]['ldap_user_filter'] == '(objectClass=user)'
    assert stable(dict(updated, comment='test AD', periodic_scan=False, endpoints=created['endpoints'])) == stable(created)
    assert bind_secrets(privx) == [BIND_PASSWORD], 'an update without the secret keeps it'

    result, _run = ansible.module('privx.secrets.target_domain', changed_args, env=env)
    assert result['changed'] is False

    result, _run = ansible.module('privx.secrets.target_domain', {'name': NAME, 'state': 'absent'}, check=True)
    assert result['changed'] is True and reader.domain(NAME) is not None
    result, _run = ansible.module('privx.secrets.target_domain', {'name': NAME, 'state': 'absent'})
    assert result['changed'] is True and result['target_domain'] == {}
    assert reader.domain(NAME) is None
    result, _run = ansible.module('privx.secrets.target_domain', {'name': NAME, 'state': 'absent'})
    assert result['changed'] is False


@pytest.mark.both_renderings
def test_create_makes_five_calls_and_a_noop_rerun_two(ansible, privx):
    env = {'BIND_PASSWORD': BIND_PASSWORD}
    mark = privx.control.mark()
    result, _run = ansible.module('privx.secrets.target_domain', domain_args(auto_onboarding=True, auto_onboarding_policy='default'), env=env)
    made = [(entry['method'], entry['path']) for entry in privx.control.requests(since=mark)]
    assert made == [('POST', '/auth/api/v1/oauth/token'), ('POST', SM + '/targetdomains/search'), ('GET', SM + '/password-policies'),
                    ('POST', SM + '/targetdomains'), ('GET', SM + '/targetdomains/' + result['target_domain']['id'])]
    mark = privx.control.mark()
    result, _run = ansible.module('privx.secrets.target_domain', domain_args(auto_onboarding=True, auto_onboarding_policy='default'), env=env)
    assert result['changed'] is False
    made = [(entry['method'], entry['path']) for entry in privx.control.requests(since=mark)]
    assert made == [('POST', '/auth/api/v1/oauth/token'), ('POST', SM + '/targetdomains/search')]


@pytest.mark.both_renderings
def test_fields_the_task_does_not_name_keep_their_values(ansible, privx):
    reader = PrivXReader(privx)
    before = reader.domain('corp.example.com')
    result, _run = ansible.module('privx.secrets.target_domain', {'name': 'corp.example.com', 'comment': 'now commented'})
    assert result['changed'] is True
    after = reader.domain('corp.example.com')
    assert after['comment'] == 'now commented'
    assert before.get('comment', '') == '', 'no comment before: absent (sparse) or empty (as PrivX sends it)'
    assert stable({key: value for key, value in after.items() if key != 'comment'}) == stable(
        {key: value for key, value in before.items() if key != 'comment'})


def test_bind_password_is_sent_again_only_with_update_password_always(ansible, privx):
    env = {'BIND_PASSWORD': BIND_PASSWORD}
    ansible.module('privx.secrets.target_domain', domain_args(), env=env)
    mark = privx.control.mark()
    result, _run = ansible.module('privx.secrets.target_domain', domain_args(), env={'BIND_PASSWORD': NEW_BIND_PASSWORD})
    assert result['changed'] is False and writes_since(privx, mark) == []
    assert bind_secrets(privx) == [BIND_PASSWORD]

    result, _run = ansible.module('privx.secrets.target_domain', domain_args(update_password='always'), diff=True,
                                  env={'BIND_PASSWORD': NEW_BIND_PASSWORD})
    assert result['changed'] is True
    assert result['diff']['after']['endpoints'][0]['ldap_bind_password'] == '(a new secret will be stored)'
    assert bind_secrets(privx) == [NEW_BIND_PASSWORD]

    # A new endpoint (another address) has no secret in PrivX yet: its password goes with it, also with on_create.
    moved = domain_args(endpoints=[ad_endpoint(ldap_address='dc2.test.example.com')])
    result, _run = ansible.module('privx.secrets.target_domain', moved, env={'BIND_PASSWORD': BIND_PASSWORD})
    assert result['changed'] is True and bind_secrets(privx) == [BIND_PASSWORD]


def test_no_bind_password_in_vvvv_diff_results_or_files(ansible, privx, tmp_path):
    outputs = []
    env = {'BIND_PASSWORD': BIND_PASSWORD}
    privx.control.settings(scan_delay=0.1)
    for args in (domain_args(scan='true', wait=True), domain_args(update_password='always', comment='again', scan='always', wait=True),
                 {'name': NAME, 'comment': 'again', 'scan': 'always', 'wait': True}):
        result, run = ansible.module('privx.secrets.target_domain', args, diff=True, verbosity=4, env=env)
        assert result['changed'] is True and result['scan']['status'] == 'SUCCESS', result
        outputs.append(run.output + repr(run.results))
    result, run = ansible.module('privx.secrets.target_domain_info', {'name': NAME, 'scanned_accounts': True}, verbosity=4)
    outputs.append(run.output + repr(run.results))
    assert bind_secrets(privx) == [BIND_PASSWORD]
    secrets = [BIND_PASSWORD] + [connection_env(privx)[name] for name in ('PRIVX_CLIENT_SECRET', 'PRIVX_OAUTH_CLIENT_SECRET')]
    assert 'Authorization' not in ''.join(outputs)
    assert_no_secret(''.join(outputs), secrets)
    for folder, _dirs, files in os.walk(str(tmp_path)):
        for name in files:
            with open(os.path.join(folder, name), 'rb') as handle:
                assert_no_secret(handle.read().decode('utf-8', 'replace'), [BIND_PASSWORD])


def test_scan_finds_a_user_added_to_ad_and_onboards_it(ansible, privx):
    reader = PrivXReader(privx)
    privx.control.settings(scan_delay=1.2)
    env = {'BIND_PASSWORD': BIND_PASSWORD}
    ansible.module('privx.secrets.target_domain', domain_args(), env=env)
    privx.control.add_to_directory(NAME, 'old_user')
    result, run = ansible.module('privx.secrets.target_domain', domain_args(scan='always', wait=True), env=env)
    assert result['changed'] is True
    elapsed = result['scan'].pop('elapsed')
    assert result['scan'] == {'status': 'SUCCESS', 'message': '', 'accounts_found': 1, 'new_accounts': 1}
    # A scan longer than the first poll: how it goes, at default verbosity, while the module waits (issue 18 item 3).
    assert elapsed >= 1.0 and '[localhost] waiting for the scan of %s: 0 s, SCANNING' % NAME in run.output, run.output
    privx.control.settings(scan_delay=0.3)
    assert result['target_domain']['scan_status'] == 'SUCCESS' and result['target_domain']['last_scanned']

    privx.control.add_to_directory(NAME, {'username': 'new_hire', 'email': 'new_hire@test.example.com'})
    # scan: true as YAML's boolean, as users write it.
    onboarding = domain_args(auto_onboarding=True, auto_onboarding_policy='strict', scan=True, wait=True)
    result, run = ansible.module('privx.secrets.target_domain', onboarding, env=env)
    assert result['changed'] is True and 'WARNING' not in run.output, run.output
    assert result['scan'].pop('elapsed') > 0
    assert result['scan'] == {'status': 'SUCCESS', 'message': '', 'accounts_found': 2, 'new_accounts': 1}
    assert reader.domain(NAME)['auto_onboarding_policy']['name'] == 'strict'
    assert reader.scanned(NAME)['new_hire']['email'] == 'new_hire@test.example.com'
    onboarded = privx.control.managed_account(NAME, 'new_hire')
    assert onboarded['password_policy']['name'] == 'strict' and onboarded['enabled'] is True
    assert privx.control.managed_account(NAME, 'old_user') is None, 'accounts already known are never onboarded'

    # scan: true scans only after a change: the rerun neither changes nor scans.
    mark = privx.control.mark()
    result, _run = ansible.module('privx.secrets.target_domain', onboarding, env=env)
    assert result['changed'] is False and 'scan' not in result and writes_since(privx, mark) == []

    # A domain with managed accounts cannot be deleted: one clear line, nothing deleted.
    result, _run = ansible.module('privx.secrets.target_domain', {'name': NAME, 'state': 'absent'})
    failed_cleanly(result, "PrivX refuses to delete target domain 'ad.test.example.com'", 'managed account')
    assert reader.domain(NAME) is not None


def test_a_failing_scan_fails_the_task_and_reports_it(ansible, privx):
    privx.control.settings(scan_delay=0.1)
    ansible.module('privx.secrets.target_domain', domain_args(), env={'BIND_PASSWORD': BIND_PASSWORD})
    privx.control.fail_scan(NAME, message='LDAP bind failed: invalid credentials')
    result, _run = ansible.module('privx.secrets.target_domain', {'name': NAME, 'scan': 'always', 'wait': True})
    failed_cleanly(result, "the scan of target domain 'ad.test.example.com' ended in ERROR: LDAP bind failed: invalid credentials")
    assert result['changed'] is True
    assert result['scan']['status'] == 'ERROR' and result['target_domain']['scan_status'] == 'ERROR'
    assert PrivXReader(privx).domain(NAME)['scan_message'] == 'LDAP bind failed: invalid credentials'


def test_a_domain_deleted_while_its_scan_is_awaited_fails_saying_so_with_changed(ansible, privx):
    """Issue 17: a raw 404 and changed: false, although the task had started a scan."""
    reader = PrivXReader(privx)
    ansible.module('privx.secrets.target_domain', {'name': NAME, 'domain_name': 'test.example.com'})
    privx.control.settings(scan_delay=60)
    mark = privx.control.mark()
    play = {'hosts': 'localhost', 'gather_facts': False, 'tasks': [
        {'name': 'scan', 'privx.secrets.target_domain': {'name': NAME, 'scan': 'always', 'wait': True}}]}
    process, results = ansible.start([play])
    try:
        deadline = time.monotonic() + 60
        while not any(path.endswith('/refresh') for _method, path in writes_since(privx, mark)):
            assert time.monotonic() < deadline and process.poll() is None, 'no scan was started'
            time.sleep(0.1)
        reader.delete(NAME)
        process.wait(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    (result,) = [dict(entry['result'], failed=entry['status'] == 'failed') for entry in results() if entry['task'] == 'scan']
    failed_cleanly(result, "target domain %r was deleted while its scan was awaited" % NAME)
    assert result['changed'] is True and result['target_domain'] == {}


def test_scan_always_without_wait_reports_changed_and_check_mode_starts_no_scan(ansible, privx):
    mark = privx.control.mark()
    result, _run = ansible.module('privx.secrets.target_domain', {'name': 'corp.example.com', 'scan': 'always'}, check=True)
    assert result['changed'] is True and 'scan' not in result and writes_since(privx, mark) == []
    result, _run = ansible.module('privx.secrets.target_domain', {'name': 'corp.example.com', 'scan': 'always'})
    assert result['changed'] is True and result['scan']['status'] == 'SCANNING'
    assert ('POST', SM + '/targetdomains/%s/refresh' % result['target_domain']['id']) in writes_since(privx, mark)


def test_bad_input_fails_with_one_clear_line_and_changes_nothing(ansible, privx):
    reader = PrivXReader(privx)
    before = reader.domains()
    mark = privx.control.mark()
    cases = [
        (domain_args(endpoints=[ad_endpoint(ldap_pasword='x')]), ['ldap_pasword', 'endpoints']),
        (domain_args(endpoints=[ad_endpoint(ldap_port='not a port')]), ['ldap_port', 'int']),
        (domain_args(endpoints=[ad_endpoint(ldap_port=70000)]), ['endpoints[0].ldap_port must be between 0 and 65535']),
        (domain_args(endpoints=[ad_endpoint(type='NIS')]), ['type', 'NIS']),
        (domain_args(endpoints=[ad_endpoint(entra_tenant_id='t')]), ['endpoints[0].entra_tenant_id does not apply to an endpoint of type AD']),
        (domain_args(endpoints=[{'type': 'ENTRA_ID', 'entra_tenant_id': 't'}]), ['endpoints[0].entra_client_id is required']),
        (domain_args(enabled='maybe'), ['enabled']),
        # Ansible's own message, which does not name the option: it looks for no_log suboptions before it checks types.
        (domain_args(endpoints='dc1'), ['dictionary requested']),
        (domain_args(auto_onboarding=True, auto_onboarding_policy='nope'),
         ["auto_onboarding_policy: password_policy 'nope' does not exist", 'default, strict']),
        (domain_args(auto_onboarding=True), ['auto_onboarding: true needs auto_onboarding_policy']),
        (domain_args(wait=True), ['wait: true contradicts scan: false; wait waits for a scan: set scan to true or always']),
        ({'name': NAME, 'state': 'absent', 'scan': 'true'}, ['scan: true contradicts state: absent; drop one of them']),
        ({'name': NAME, 'state': 'absent', 'scan': 'always'}, ['scan: always contradicts state: absent']),
        (domain_args(enabled=False, scan='always'), ['needs an enabled target domain']),
        ({'name': 'corp.example.com', 'enabled': False, 'scan': 'true'}, ['needs an enabled target domain']),
        (domain_args(scan='sometimes'), ['scan', 'sometimes']),
        ({'name': ' '}, ['name must not be empty']),
        # Issue 17: it created a second domain beside the real one.
        ({'name': 'corp.example.com ', 'comment': 'x'}, ["name 'corp.example.com ' has leading or trailing spaces"]),
        ({'name': 'CORP.example.com', 'comment': 'x'}, ["name 'CORP.example.com' differs only in letter case from 'corp.example.com'"]),
    ]
    for args, fragments in cases:
        result, _run = ansible.module('privx.secrets.target_domain', args, env={'BIND_PASSWORD': BIND_PASSWORD})
        failed_cleanly(result, *fragments)
    result, _run = ansible.module('privx.secrets.target_domain', domain_args(), env=dict(connection_env(privx, 'user'), BIND_PASSWORD='x'))
    failed_cleanly(result, 'HTTP 403 PERMISSION_DENIED')
    assert writes_since(privx, mark) == []
    assert reader.domains() == before


def test_an_entra_id_endpoint_beside_an_ad_one_keeps_both_secrets(ansible, privx):
    reader = PrivXReader(privx)
    client_secret = 'planted-entra-client-S3cr3t'
    entra = {'type': 'ENTRA_ID', 'entra_tenant_id': 'tenant-1', 'entra_client_id': 'app-1', 'entra_group_filter': ['admins'],
             'entra_client_secret': "{{ lookup('ansible.builtin.env', 'ENTRA_SECRET') }}", 'scan_priority': 1}
    env = {'BIND_PASSWORD': BIND_PASSWORD, 'ENTRA_SECRET': client_secret}
    args = domain_args(endpoints=[ad_endpoint(), entra])
    result, run = ansible.module('privx.secrets.target_domain', args, env=env, diff=True)
    assert result['changed'] is True
    assert [(entry['type'], entry['ldap_bind_password'], entry['entra_client_secret']) for entry in privx.control.target_domain_secrets(NAME)] == [
        ('AD', BIND_PASSWORD, ''), ('ENTRA_ID', '', client_secret)]
    assert reader.domain(NAME)['endpoints'][1] == {'type': 'ENTRA_ID', 'scan_priority': 1, 'rotation_priority': 0, 'entra_tenant_id': 'tenant-1',
                                                   'entra_client_id': 'app-1', 'entra_group_filter': ['admins']}
    assert_no_secret(run.output + repr(run.results), [BIND_PASSWORD, client_secret])

    result, _run = ansible.module('privx.secrets.target_domain', args, env=env)
    assert result['changed'] is False
    result, _run = ansible.module('privx.secrets.target_domain', domain_args(endpoints=[ad_endpoint(), dict(entra, entra_page_size=50)]),
                                  env=dict(env, ENTRA_SECRET='planted-other-S3cr3t'))
    assert result['changed'] is True
    assert [entry['entra_client_secret'] for entry in privx.control.target_domain_secrets(NAME)] == ['', client_secret]


def test_a_read_failing_after_the_create_still_reports_the_change_and_its_diff(ansible, privx):
    """Review finding 4: the domain was created; the GET after it failed."""
    privx.control.fault(path='/targetdomains/[^/]+$', method='GET', action='status', status=500, error_code='BOOM', count=1)
    args = {'name': NAME, 'domain_name': 'test.example.com', 'comment': 'test AD'}
    result, run = ansible.module('privx.secrets.target_domain', args, diff=True)
    assert result['failed'] is True and result['changed'] is True
    assert result['msg'].startswith("PrivX applied the change to target domain %r (created), then PrivX GET " % NAME)
    assert result['diff']['after']['name'] == NAME
    assert 'Traceback' not in run.output
    result, _run = ansible.module('privx.secrets.target_domain', args)
    assert result['failed'] is False and result['changed'] is False


def test_a_scan_failing_to_start_after_a_change_still_reports_the_change(ansible, privx):
    """Review finding 4: the domain was replaced; the scan start after it failed."""
    privx.control.fault(path='/targetdomains/[^/]+/refresh$', method='POST', action='status', status=500, error_code='BOOM', count=None)
    result, _run = ansible.module('privx.secrets.target_domain', {'name': 'corp.example.com', 'comment': 'now commented', 'scan': 'true'})
    assert result['failed'] is True and result['changed'] is True
    assert "PrivX applied the change to target domain 'corp.example.com' (replaced), then " in result['msg']
    assert 'diff' not in result


def test_an_empty_endpoints_list_needs_allow_delete_all_which_the_role_passes_on(ansible, privx):
    """Issue 17: endpoints: [] silently removed the endpoints and their write-only bind secrets."""
    reader = PrivXReader(privx)
    ansible.module('privx.secrets.target_domain', domain_args(), env={'BIND_PASSWORD': BIND_PASSWORD})
    mark = privx.control.mark()
    result, _run = ansible.module('privx.secrets.target_domain', {'name': NAME, 'endpoints': []})
    failed_cleanly(result, 'endpoints: [] would remove the 1 endpoint of target domain %r' % NAME, 'set allow_delete_all: true')
    assert writes_since(privx, mark) == [] and bind_secrets(privx) == [BIND_PASSWORD]

    # Through the role, as an AWX survey gives a boolean: text.
    role = [{'name': 'converge', 'hosts': 'localhost', 'gather_facts': False, 'roles': [{
        'role': 'privx.secrets.managed_accounts', 'privx_target_domains': [{'name': NAME, 'endpoints': [], 'allow_delete_all': 'true'}]}]}]
    run = ansible.playbook(role, diff=True)
    assert run.rc == 0, run.output[-3000:]
    assert '(removed with its endpoint: PrivX cannot give a stored secret back)' in run.output
    assert not reader.domain(NAME)['endpoints'] and bind_secrets(privx) == []  # Go sends a nil list as null
    mark = privx.control.mark()
    run = ansible.playbook(role)
    assert run.rc == 0 and 'changed=0' in run.output and writes_since(privx, mark) == []
