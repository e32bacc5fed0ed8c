# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The checkout lookup and its agent under concurrent runs, a faulty network, hostile local processes and careless input
(issue 9), through real ansible-playbook runs against the emulator."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest

from conftest import assert_no_secret, connection_env

PATH_A = 'dbdomain/app_admin'
PATH_B = 'dbdomain/app_ro'
CHECKOUTS = '/authorizer/api/v1/secrets/checkouts'
WITH_CALLBACK = {'ANSIBLE_CALLBACKS_ENABLED': 'privx_test_results,privx.secrets.checkouts'}
ANOTHER_RUNS_CHECKOUT = 'was already checked out by this API client'


def lookup_call(path, **options):
    extra = ''.join(", %s='%s'" % item for item in options.items())
    return "lookup('privx.secrets.checkout', '%s'%s)" % (path, extra)


def digest_task(name, expression):
    return {'name': name, 'ansible.builtin.set_fact': {'digest': "{{ (%s) | hash('sha256') }}" % expression}}


def one_play(*tasks, hosts='localhost', **play):
    return dict({'name': 'p', 'hosts': hosts, 'gather_facts': False, 'tasks': list(tasks)}, **play)


def wait_for(condition, within, step=0.1):
    deadline = time.monotonic() + within
    while not condition() and time.monotonic() < deadline:
        time.sleep(step)
    return condition()


def checkout_posts(privx, mark):
    return [entry for entry in privx.control.requests(since=mark) if entry['path'] == CHECKOUTS and entry['method'] == 'POST']


def releases_of(privx, mark, checkout_id):
    return [entry for entry in privx.control.requests(since=mark)
            if entry['method'] == 'POST' and entry['path'] == '%s/%s/release' % (CHECKOUTS, checkout_id)]


def flat(text):
    """Older ansible-core wraps long warnings at the terminal width."""
    return ' '.join(text.split())


def stop(process):
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
    process.stdout.close()


@pytest.fixture
def agent_dir():
    """A short PRIVX_AGENT_DIR (a Unix socket's path must stay short), so that a test can find the agent's socket."""
    directory = tempfile.mkdtemp(prefix='pxa')
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


# -- Two runs, one API client ---------------------------------------------------


def test_a_later_run_never_releases_the_checkout_of_an_earlier_run(ansible, privx):
    earlier_play = one_play(digest_task('use', lookup_call(PATH_A)),
                            {'name': 'wait', 'ansible.builtin.command': 'sleep 12', 'changed_when': False})
    earlier, _results = ansible.start([earlier_play], env=WITH_CALLBACK)
    try:
        assert wait_for(privx.control.checkouts, 60), 'the earlier run never checked out'
        [theirs] = privx.control.checkouts()
        # Past the margin for PrivX's whole-second `created` and clock skew (CREATED_MARGIN in the agent).
        time.sleep(3.5)
        mark = privx.control.mark()
        inventory = ansible.inventory(['host1', 'host2'])
        later = ansible.playbook([one_play(digest_task('use', lookup_call(PATH_A)), digest_task('again', lookup_call(PATH_A)),
                                           digest_task('own path', lookup_call(PATH_B)), hosts='all')],
                                 inventory=inventory, env=WITH_CALLBACK)
        assert later.rc == 0, later.output[-3000:]
        assert earlier.poll() is None, 'the earlier run ended before the later one: the test proves nothing'
        assert releases_of(privx, mark, theirs['id']) == [], 'the later run released the earlier run\'s checkout'
        assert [item['id'] for item in privx.control.checkouts()] == [theirs['id']], 'the later run left its own checkout'
        output = flat(later.output)
        assert output.count(ANOTHER_RUNS_CHECKOUT) == 1, later.output[-3000:]
        assert "'%s' %s" % (PATH_A, ANOTHER_RUNS_CHECKOUT) in output
        earlier.wait(timeout=60)
        assert earlier.returncode == 0, earlier.stdout.read()[-3000:]
        assert wait_for(lambda: not privx.control.checkouts(), 5), 'the earlier run did not release its own checkout'
        assert len(releases_of(privx, mark, theirs['id'])) == 1
    finally:
        stop(earlier)


# -- A checkout request without an answer ----------------------------------------


def test_a_checkout_retried_after_a_read_timeout_leaves_no_checkout_behind(ansible, privx):
    # The first checkout request is answered after the client's timeout: the client retries, the retry makes the
    # checkout, and PrivX processes the delayed first request seconds later.
    privx.control.fault(path='/secrets/checkouts$', method='POST', action='delay', delay=5, count=1)
    mark = privx.control.mark()
    run = ansible.playbook([one_play(digest_task('use', lookup_call(PATH_A)))], env=dict(WITH_CALLBACK, PRIVX_TIMEOUT='2'))
    assert run.rc == 0, run.output[-3000:]
    assert wait_for(lambda: len([post for post in checkout_posts(privx, mark) if post['status'] is not None]) == 2, 15), \
        checkout_posts(privx, mark)
    assert wait_for(lambda: not privx.control.checkouts(), 15), 'a checkout outlived the run: %s' % privx.control.checkouts()
    time.sleep(1)
    assert privx.control.checkouts() == []


# -- Releasing: the client retries, the agent does not --------------------------------


RELEASES = CHECKOUTS + '/[^/]+/release$'


def release_posts(privx, mark):
    return [entry for entry in privx.control.requests(since=mark)
            if entry['method'] == 'POST' and entry['path'].startswith(CHECKOUTS + '/') and entry['path'].endswith('/release')]


def test_a_release_answered_429_then_503_is_retried_by_the_client(ansible, privx):
    privx.control.fault(path=RELEASES, method='POST', status=429, retry_after=1, count=1)
    privx.control.fault(path=RELEASES, method='POST', status=503, retry_after=1, count=1)
    mark = privx.control.mark()
    run = ansible.playbook([one_play(digest_task('use', lookup_call(PATH_A)))], env=WITH_CALLBACK)
    assert run.rc == 0, run.output[-3000:]
    assert wait_for(lambda: not privx.control.checkouts(), 15), 'the checkout was not released'
    assert [post['status'] for post in release_posts(privx, mark)] == [429, 503, 200]
    assert 'could not release' not in flat(run.output)


def test_a_release_answered_403_is_not_retried_and_is_a_warning(ansible, privx):
    privx.control.fault(path=RELEASES, method='POST', status=403, count=None)
    mark = privx.control.mark()
    run = ansible.playbook([one_play(digest_task('use', lookup_call(PATH_A)))], env=WITH_CALLBACK)
    assert run.rc == 0, run.output[-3000:]
    time.sleep(2)
    assert [post['status'] for post in release_posts(privx, mark)] == [403], 'a 403 was retried'
    assert "could not release the checkout of '%s'" % PATH_A in flat(run.output), run.output[-3000:]
    assert_no_secret(run.output)


# -- The agent's directory and socket --------------------------------------------


def test_a_relative_agent_directory_is_refused(ansible, privx, tmp_path):
    mark = privx.control.mark()
    run = ansible.playbook([one_play(digest_task('use', lookup_call(PATH_A)))], env={'PRIVX_AGENT_DIR': 'tmp'})
    assert run.rc != 0
    assert "privx.secrets.checkout: PRIVX_AGENT_DIR 'tmp' must be an absolute path" in flat(run.output)
    assert checkout_posts(privx, mark) == []


def test_a_relative_ca_path_is_read_from_the_working_directory_of_the_run(ansible, privx, agent_dir):
    # The agent runs with cwd '/': a ca_path relative to the run's working directory must reach it made absolute.
    shutil.copy(privx.ca_path, os.path.join(ansible.workdir, 'privx-ca.pem'))
    run = ansible.playbook([one_play(digest_task('use', lookup_call(PATH_A)))],
                           env=dict(WITH_CALLBACK, PRIVX_CA_PATH='privx-ca.pem', PRIVX_AGENT_DIR=agent_dir))
    assert run.rc == 0, run.output[-3000:]
    assert 'Traceback' not in run.output
    assert wait_for(lambda: not privx.control.checkouts(), 15), 'the checkout outlived the run'


def test_an_idle_client_does_not_keep_the_agent_from_releasing(ansible, privx, agent_dir):
    play = one_play(digest_task('use', lookup_call(PATH_A)), {'name': 'wait', 'ansible.builtin.command': 'sleep 3', 'changed_when': False})
    process, _results = ansible.start([play], env={'PRIVX_AGENT_DIR': agent_dir})
    idle = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        assert wait_for(privx.control.checkouts, 60), 'the run never checked out'
        [socket_name] = [name for name in os.listdir(agent_dir) if name.endswith('.sock')]
        idle.connect(os.path.join(agent_dir, socket_name))  # a same-user process that connects and sends nothing
        process.wait(timeout=60)
        assert wait_for(lambda: not privx.control.checkouts(), 5), 'an idle client kept the agent from releasing'
    finally:
        idle.close()
        stop(process)


def test_an_unwritable_home_falls_back_to_another_directory(ansible, privx, agent_dir):
    # A HOME below a plain file cannot be created, not even by root (and its path is short enough for a socket,
    # so that it is the first choice).
    blocker = os.path.join(agent_dir, 'f')
    with open(blocker, 'w', encoding='utf-8'):
        pass
    run = ansible.playbook([one_play(digest_task('use', lookup_call(PATH_A)))],
                           env={'HOME': os.path.join(blocker, 'h'), 'ANSIBLE_LOCAL_TEMP': os.path.join(agent_dir, 'tmp')})
    assert run.rc == 0, run.output[-3000:]
    assert wait_for(lambda: not privx.control.checkouts(), 5)


# -- Input, check mode, domains and templated connection variables ---------------


def test_a_path_that_is_not_a_string_is_refused_before_any_call(ansible, privx):
    # A list of paths is flattened one level (test_checkout_lookup.py): a list inside it is still no path.
    values = {'nothing': None, 'number': 5, 'paths in a list': [[PATH_A]], 'mapping': {'path': PATH_A}}
    tasks = [{'name': name, 'ansible.builtin.debug': {'msg': "{{ lookup('privx.secrets.checkout', value) | length }}"},
              'vars': {'value': value}, 'ignore_errors': True} for name, value in values.items()]
    mark = privx.control.mark()
    run = ansible.playbook([one_play(*tasks)])
    for name in values:
        result = run.task(name)
        assert result['failed'], (name, result)
        assert 'privx.secrets.checkout: a secret path must be a string' in result['msg'], (name, result['msg'])
    assert privx.control.requests(since=mark) == []


def test_check_mode_returns_the_placeholder_without_calling_privx(ansible, privx):
    task = {'name': 'show', 'ansible.builtin.set_fact': {'value': "{{ %s }}" % lookup_call(PATH_A, check_mode_placeholder='CHECK')}}
    mark = privx.control.mark()
    run = ansible.playbook([one_play(task)], check=True, env=WITH_CALLBACK)
    assert run.rc == 0, run.output[-3000:]
    assert run.task('show')['ansible_facts']['value'] == 'CHECK'
    assert privx.control.requests(since=mark) == []
    # Without --check the option changes nothing.
    run = ansible.playbook([one_play(digest_task('show', lookup_call(PATH_A, check_mode_placeholder='CHECK')))], env=WITH_CALLBACK)
    assert run.rc == 0, run.output[-3000:]
    assert len(checkout_posts(privx, mark)) == 1


CHECK_MODE_WARNING = 'privx.secrets: check mode: the checkout lookup returns a placeholder'


def test_check_mode_gives_a_placeholder_by_default_and_says_so_once_per_run(ansible, privx):
    """Issue 17: a check-mode run must not check out (its release would rotate a rotate_on_release password)."""
    inventory = ansible.inventory(['host1', 'host2', 'host3'])
    play = one_play(digest_task('first', lookup_call(PATH_A)), digest_task('second', lookup_call(PATH_B)),
                    {'name': 'value', 'ansible.builtin.set_fact': {'value': '{{ %s }}' % lookup_call(PATH_A)}}, hosts='all')
    mark = privx.control.mark()
    run = ansible.playbook([play], check=True, inventory=inventory, forks=3, env=WITH_CALLBACK)
    assert run.rc == 0, run.output[-3000:]
    assert privx.control.requests(since=mark) == [], 'a check-mode run called PrivX'
    assert run.task('value', 'host2')['ansible_facts']['value'] == 'PRIVX-CHECK-MODE-PLACEHOLDER'
    output = flat(run.output)
    assert output.count(CHECK_MODE_WARNING) == 1, run.output[-3000:]
    assert 'privx_checkout_check_mode=checkout' in output


def test_check_mode_checks_out_for_real_when_asked(ansible, privx):
    mark = privx.control.mark()
    run = ansible.playbook([one_play(digest_task('show', lookup_call(PATH_A)))], check=True,
                           env=dict(WITH_CALLBACK, PRIVX_CHECKOUT_CHECK_MODE='checkout'))
    assert run.rc == 0, run.output[-3000:]
    assert len(checkout_posts(privx, mark)) == 1
    assert CHECK_MODE_WARNING not in flat(run.output)
    assert wait_for(lambda: not privx.control.checkouts(), 5), 'the check-mode checkout was not released'


def test_target_domain_matches_in_any_letter_case(ansible, privx):
    expression = "lookup('privx.secrets.checkout', target_domain='DBDomain', username='app_admin') == lookup('privx.secrets.checkout', '%s')" % PATH_A
    run = ansible.playbook([one_play({'name': 'same', 'ansible.builtin.set_fact': {'same': '{{ %s }}' % expression}})])
    assert run.rc == 0, run.output[-3000:]
    assert run.task('same')['ansible_facts']['same'] is True


def encrypt_string(value, name, password_file):
    completed = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-vault'), 'encrypt_string',
                                '--vault-password-file', password_file, '--name', name, value],
                               capture_output=True, text=True, check=True, env={'PATH': os.environ.get('PATH', ''),
                                                                                'HOME': tempfile.gettempdir()})
    return completed.stdout


def test_templated_and_vault_encrypted_connection_variables(ansible, privx, tmp_path):
    env = connection_env(privx)
    password_file = tmp_path / 'vault-password'
    password_file.write_text('vault-test-password\n')
    vaulted = (encrypt_string(env['PRIVX_CLIENT_SECRET'], 'vault_client_secret', str(password_file))
               + encrypt_string(env['PRIVX_OAUTH_CLIENT_SECRET'], 'privx_oauth_client_secret', str(password_file)))
    (tmp_path / 'vault.yml').write_text(vaulted)
    playbook = '''
- name: templated connection variables
  hosts: localhost
  gather_facts: false
  vars_files: [%s]
  vars:
    my_url: %s
    privx_url: "{{ my_url }}"
    privx_client_id: "{{ my_client_id }}"
    my_client_id: %s
    privx_client_secret: "{{ vault_client_secret }}"
  tasks:
    - name: use
      ansible.builtin.set_fact:
        digest: "{{ %s | hash('sha256') }}"
''' % (tmp_path / 'vault.yml', env['PRIVX_URL'], env['PRIVX_CLIENT_ID'], lookup_call(PATH_A))
    without_connection_env = {name: '' for name in env if name != 'PRIVX_CA_PATH'}
    run = ansible.playbook(playbook, verbosity=4, env=dict(without_connection_env, ANSIBLE_VAULT_PASSWORD_FILE=str(password_file)))
    assert run.rc == 0, run.output[-3000:]
    assert run.task('use')['ansible_facts']['digest']
    assert_no_secret(run.output + repr(run.results))
    assert env['PRIVX_CLIENT_SECRET'] not in run.output and env['PRIVX_OAUTH_CLIENT_SECRET'] not in run.output
