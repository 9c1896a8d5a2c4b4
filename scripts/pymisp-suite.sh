#!/usr/bin/env bash
# Runs PyMISP's live test suite (tests/testlive_comprehensive.py) against a fresh Cairn.
#
#   scripts/pymisp-suite.sh PATH_TO_PYMISP_CHECKOUT [pytest args…]
#   scripts/pymisp-suite.sh /tmp/pymisp -k test_search_value_attribute -x
#
# It fetches nothing. Step by step:
#   1. makes a temporary folder with a fresh embedded store (CAIRN_DB) in it, and loads MISP's libraries
#      into it (`cairn libraries load`: taxonomies, galaxies, object templates, noticelists, warninglists),
#      as the suite's fast mode expects them there as on MISP's VM, then disables every warninglist, as
#      MISP's own load leaves them (and, once it is serving, disables TLP and PAP, which Cairn enables
#      from the start and MISP does not, and loads MISP's default feeds, as a MISP VM holds them);
#   2. starts `cairn serve` on a free loopback port (port 0, read back from its output) with the host
#      organisation named ORGNAME (CAIRN_ORG_NAME), as the suite expects of organisation 1, the site
#      admin's key chosen here (CAIRN_ADMIN_KEY), and CAIRN_LIBRARIES naming the same libraries, which the
#      suite's update_* calls (taxonomies/update…) reload from (they find them up to date);
#   3. copies PyMISP's `pymisp` package and `tests` folder into the temporary folder (the checkout is only
#      read), and there: writes tests/keys.py (url http://127.0.0.1:PORT, the admin's key, verifycert
#      False), turns on the suite's fast mode (`fast_mode = True`: no update_misp, no update_* of the JSON
#      libraries), makes an empty tests/viper-test-files (else the suite `git clone`s it; the tests that
#      read its samples then fail on a missing file), adds the package metadata PyMISP reads its version
#      from, and a conftest.py with a per-test timeout;
#   4. runs `python3 -m pytest tests/testlive_comprehensive.py [pytest args…]` there and prints its summary;
#   5. stops the server and removes the temporary folder (KEEP=1 keeps it, with the server's log).
#
# Needs Debian's python3-requests, python3-dateutil, python3-deprecated and python3-pytest (PyMISP's
# load-time imports; its optional ones, lief, orjson, reportlab…, are left out). Settings:
#   PYTHON=/usr/bin/python3        the interpreter (Debian's, where those packages are installed)
#   PYMISP_TEST_TIMEOUT=120        seconds each test (set-up and tear-down included) may take
#   PYMISP_OBJECTS=DIR             MISP's object templates (misp-objects) when the checkout's submodule
#                                  is empty; default: $CAIRN_SHARED/data/misp/misp-objects, or ../shared/…
#   PYMISP_LIBRARIES=DIR           MISP's libraries to load and serve (a folder of checkouts such as
#                                  misp-galaxy, misp-taxonomies…); default: $CAIRN_SHARED/data/misp, or
#                                  ../shared/data/misp
#   PYMISP_EXTRA_LIBRARIES=DIR:DIR  further folders the server reads as libraries (CAIRN_LIBRARIES) without
#                                  loading them first: MISP's files the suite's tests ask for, such as a
#                                  MISP checkout's app/files (community-metadata, for test_communities) and
#                                  a misp-decaying-models checkout (for test_search_decay)
#   PYMISP_SUITE_TRACE=FILE        append every HTTP call of every test (method, path, status, the start
#                                  of the answer) to FILE as JSON lines, to see which call failed
#   PYMISP_SUITE_PROBE=1           when a new user's answer (admin/users/add) has no authkey, make him a
#                                  key through auth_keys/add, so that the suite's set-up goes on and the
#                                  tests show what fails behind that; a diagnosis aid, not a pass
#   KEEP=1                         keep the temporary folder and print where it is
# The exit status is pytest's.
set -euo pipefail

usage() { sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ "$#" -ge 1 ] || usage
pymisp_src="$(cd "$1" && pwd)" || usage
shift
[ -f "$pymisp_src/pymisp/api.py" ] && [ -f "$pymisp_src/tests/testlive_comprehensive.py" ] \
  || { echo "pymisp-suite: $pymisp_src is not a PyMISP checkout (no pymisp/api.py, tests/testlive_comprehensive.py)" >&2; exit 2; }

cairn_root="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-/usr/bin/python3}"
timeout_s="${PYMISP_TEST_TIMEOUT:-120}"
"$python" -c 'import requests, dateutil, deprecated, pytest' 2>/dev/null \
  || { echo "pymisp-suite: $python lacks requests/dateutil/deprecated/pytest (apt-get install python3-requests python3-dateutil python3-deprecated python3-pytest)" >&2; exit 2; }

objects="${PYMISP_OBJECTS:-}"
if [ -z "$objects" ] && [ -z "$(ls -A "$pymisp_src/pymisp/data/misp-objects" 2>/dev/null)" ]; then
  objects="${CAIRN_SHARED:-$cairn_root/../shared}/data/misp/misp-objects"
  [ -d "$objects/objects" ] || { echo "pymisp-suite: the checkout has no misp-objects (git submodule) and $objects is missing; set PYMISP_OBJECTS" >&2; exit 2; }
fi

libraries="${PYMISP_LIBRARIES:-${CAIRN_SHARED:-$cairn_root/../shared}/data/misp}"
[ -d "$libraries" ] || { echo "pymisp-suite: MISP's libraries are not at $libraries; set PYMISP_LIBRARIES" >&2; exit 2; }
libraries="$(cd "$libraries" && pwd)"

work="$(mktemp -d "${TMPDIR:-/tmp}/cairn-pymisp.XXXXXX")"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  if [ "${KEEP:-}" = "1" ]; then echo "pymisp-suite: kept $work (server log: $work/server.log)" >&2
  else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- Cairn: a fresh store, the host organisation ORGNAME, an admin key of our choosing, a free port.
admin_key="$("$python" -c 'import secrets, string; a = string.ascii_letters + string.digits; print("".join(secrets.choice(a) for _ in range(40)))')"
# From the sources, so that what runs is what is checked out (a built dist/ may be older).
cairn=(node --import tsx "$cairn_root/src/cli/main.ts")
touch "$work/server.log"
(
  cd "$cairn_root"
  export CAIRN_DB="$work/cairn.db"
  unset DATABASE_URL
  "${cairn[@]}" libraries load "$libraries"
  # MISP stores the warninglists it loads disabled (Warninglist::__updateList); Cairn's load enables them.
  # The suite is written against MISP's state (it enables the lists it needs, e.g. '%dns resolv%').
  "${cairn[@]}" warninglists disable --all
) >"$work/load.log" 2>&1 || { echo "pymisp-suite: cairn libraries load $libraries failed:" >&2; cat "$work/load.log" >&2; exit 1; }
(
  cd "$cairn_root"
  export CAIRN_DB="$work/cairn.db" CAIRN_ORG_NAME=ORGNAME CAIRN_ADMIN_KEY="$admin_key" CAIRN_LIBRARIES="$libraries${PYMISP_EXTRA_LIBRARIES:+:$PYMISP_EXTRA_LIBRARIES}"
  unset DATABASE_URL CAIRN_HOST CAIRN_PORT
  exec "${cairn[@]}" serve --host 127.0.0.1 --port 0 ${PYMISP_SUITE_LOG:+--log}
) >"$work/server.log" 2>&1 &
server_pid=$!
url=""
for _ in $(seq 1 600); do
  url="$(sed -n "s#.*serving MISP's REST API on \(http://127\.0\.0\.1:[0-9]*\).*#\1#p" "$work/server.log" | head -n 1 || true)"
  [ -n "$url" ] && break
  kill -0 "$server_pid" 2>/dev/null || { echo "pymisp-suite: cairn serve stopped:" >&2; cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "pymisp-suite: cairn serve did not start within 60 s:" >&2; cat "$work/server.log" >&2; exit 1; }
# Cairn stores TLP and PAP enabled (its built-in rules); a MISP enables no taxonomy until an admin does,
# and the suite counts on that (test_statistics expects no enabled taxonomy in tags/tagStatistics).
# A MISP VM also holds MISP's list of default feeds (feeds/loadDefaultFeeds, which the suite's test_feeds
# expects done: it looks for one of them); Cairn reads it from the libraries, as it reads the others.
post() {
  "$python" - "$url/$1" "$admin_key" <<'PY'
import sys, urllib.request
request = urllib.request.Request(sys.argv[1], method='POST', data=b'{}', headers={'Authorization': sys.argv[2], 'Accept': 'application/json', 'Content-Type': 'application/json'})
urllib.request.urlopen(request).read()
PY
}
for namespace in tlp PAP; do
  post "taxonomies/disable/$namespace" || { echo "pymisp-suite: could not disable the taxonomy $namespace" >&2; exit 1; }
done
post feeds/loadDefaultFeeds || { echo "pymisp-suite: feeds/loadDefaultFeeds failed (is misp-default-feeds.json in $libraries?)" >&2; exit 1; }
echo "pymisp-suite: Cairn at $url (store $work/cairn.db, host organisation ORGNAME; $(cat "$work/load.log") from $libraries)" >&2

# --- PyMISP: a copy of the package and of the tests, set up for this server.
run="$work/pymisp"
mkdir -p "$run"
cp -R "$pymisp_src/pymisp" "$pymisp_src/tests" "$run/"
if [ -n "$objects" ]; then rm -rf "$run/pymisp/data/misp-objects"; ln -s "$(cd "$objects" && pwd)" "$run/pymisp/data/misp-objects"; fi
version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$pymisp_src/pyproject.toml" | head -n 1)"
mkdir -p "$run/pymisp-${version:-0}.dist-info"
printf 'Metadata-Version: 2.1\nName: pymisp\nVersion: %s\n' "${version:-0}" >"$run/pymisp-${version:-0}.dist-info/METADATA"
printf "url = '%s'\nkey = '%s'\nverifycert = False\n" "$url" "$admin_key" >"$run/tests/keys.py"
mkdir -p "$run/tests/viper-test-files"
grep -q '^fast_mode = False$' "$run/tests/testlive_comprehensive.py" \
  || { echo "pymisp-suite: tests/testlive_comprehensive.py has no line 'fast_mode = False' to turn on" >&2; exit 2; }
sed -i 's/^fast_mode = False$/fast_mode = True/' "$run/tests/testlive_comprehensive.py"
cat >"$run/tests/conftest.py" <<'PY'
# Written by Cairn's scripts/pymisp-suite.sh: a per-test timeout (SIGALRM, set-up and tear-down included)
# and, with PYMISP_SUITE_TRACE, a record of every HTTP call each test makes; with PYMISP_SUITE_PROBE, a
# key made through auth_keys/add for each new user whose answer lacks one.
import json, os, signal
import pytest
import requests

TIMEOUT = int(os.environ.get('PYMISP_TEST_TIMEOUT', '120'))
TRACE = os.environ.get('PYMISP_SUITE_TRACE')
_current = {'test': 'collection'}


def _alarm(signum, frame):
    raise TimeoutError(f'test took more than {TIMEOUT} s (PYMISP_TEST_TIMEOUT)')


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    _current['test'] = item.name
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIMEOUT)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


if TRACE:
    _send = requests.Session.send

    def _traced(self, request, **kwargs):
        response = _send(self, request, **kwargs)
        body = request.body.decode('utf-8', 'replace') if isinstance(request.body, bytes) else (request.body or '')
        with open(TRACE, 'a') as f:
            f.write(json.dumps({'test': _current['test'], 'method': request.method, 'url': request.url.split('/', 3)[-1],
                                'status': response.status_code, 'request': body[:400], 'response': response.text[:600]}) + '\n')
        return response

    requests.Session.send = _traced

if os.environ.get('PYMISP_SUITE_PROBE') == '1':
    from pymisp import PyMISP, MISPUser
    _add_user = PyMISP.add_user

    def _add_user_with_key(self, user, pythonify=False):
        made = _add_user(self, user, pythonify=pythonify)
        made_id = made.id if isinstance(made, MISPUser) else (made.get('User') or {}).get('id')
        has_key = getattr(made, 'authkey', None) if isinstance(made, MISPUser) else (made.get('User') or {}).get('authkey')
        if made_id and not has_key:
            answer = self._check_json_response(self._prepare_request('POST', f'auth_keys/add/{made_id}', data={}))
            raw = answer['AuthKey']['authkey_raw']
            if isinstance(made, MISPUser):
                made.authkey = raw
            else:
                made['User']['authkey'] = raw
        return made

    PyMISP.add_user = _add_user_with_key
PY

if [ -n "${PYMISP_SUITE_TRACE:-}" ]; then
  PYMISP_SUITE_TRACE="$(cd "$(dirname "$PYMISP_SUITE_TRACE")" && pwd)/$(basename "$PYMISP_SUITE_TRACE")"; export PYMISP_SUITE_TRACE
fi
cd "$run"
status=0
PYTHONPATH="$run:$run/tests" PYMISP_TEST_TIMEOUT="$timeout_s" \
  "$python" -m pytest tests/testlive_comprehensive.py -p no:cacheprovider -rfE "$@" || status=$?
exit "$status"
