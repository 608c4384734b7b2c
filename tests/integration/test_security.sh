# Security guarantees checked end to end: the API key never appears in the argv of any process
# (api_key_command runs through /bin/sh -c and hands the key over on stdout), TLS verification
# refuses a self-signed server unless the profile's ca_bundle names its CA, the sandbox binds to
# loopback unless told otherwise, and spreadsheet-facing CSV neutralises formulas.
source "$(dirname "$0")/lib.sh"
start_sandbox --seed empty --no-rate-limit
cfg="$XDG_CONFIG_HOME/lexsync/config.toml"
mkdir -p "$(dirname "$cfg")"

# --- The key is never an argument of any process ---------------------------------------------------
# The pattern lives in a file (outside $WORK, whose files must not hold the key): a grep with the
# key as an argument would be a leak of its own.
pattern=$(mktemp "${TMPDIR:-/tmp}/lexsync-pattern.XXXXXX")
printf '%s\n' "$SANDBOX_KEY" >"$pattern"
cat >"$WORK/key.sh" <<SH
#!/bin/sh
# Hands out the key like a password manager would, slowly enough to be seen by the sampler.
sleep 0.3
cat "$pattern"
SH
chmod +x "$WORK/key.sh"
printf '[profiles.default]\napi_key_command = "%s"\n' "$WORK/key.sh" >"$cfg"
: >"$WORK/argv-hits"
# A control that the sampler sees what it looks for: a process with the key as an argument. It
# stays alive until the sampler has recorded it (at most two minutes), so a slow pass over /proc
# on a busy machine cannot miss it.
sh -c 'for _ in $(seq 2400); do [ -e "$0" ] && exit 0; sleep 0.05; done; exit 1' \
  "$WORK/control-seen" "$SANDBOX_KEY" &
control=$!
(
  seen=0
  for _ in $(seq 20000); do
    for f in /proc/[0-9]*/cmdline; do
      { tr '\0' ' ' <"$f" | grep -qFf "$pattern" && echo "$f" >>"$WORK/argv-hits"; } 2>/dev/null
    done
    if [ "$seen" -eq 0 ] && grep -qx "/proc/$control/cmdline" "$WORK/argv-hits"; then
      seen=1
      touch "$WORK/control-seen"
    fi
    [ "$seen" -eq 1 ] && [ -e "$WORK/stop-sampling" ] && break
    sleep 0.01
  done
) &
sampler=$!
for _ in 1 2 3; do
  lexsync contacts pull -o json >/dev/null
  lexsync auth status >/dev/null 2>&1 || true
done
wait "$control" || { kill "$sampler"; fail "the sampler did not see the control process within two minutes"; }
touch "$WORK/stop-sampling"
wait "$sampler"
grep -qx "/proc/$control/cmdline" "$WORK/argv-hits" || fail "the sampler missed the control process"
assert_eq "$(grep -vx "/proc/$control/cmdline" "$WORK/argv-hits" | sort -u | wc -l)" "0" \
  "processes with the key in their argv"
# …and the command really was the key's source, run once per process (a password manager may ask
# the user each time).
cat >"$WORK/counting-key.sh" <<SH
#!/bin/sh
echo run >>"$WORK/key-runs"
cat "$pattern"
SH
chmod +x "$WORK/counting-key.sh"
printf '[profiles.default]\napi_key_command = "%s"\n' "$WORK/counting-key.sh" >"$cfg"
assert_eq "$(lexsync contacts pull -o json | jq length)" "0" "contacts read with the key from api_key_command"
assert_eq "$(wc -l <"$WORK/key-runs")" "1" "api_key_command runs per command"
rm -f "$pattern"
export LEXSYNC_API_KEY="$SANDBOX_KEY"
printf '[profiles.default]\nrate_limit = 10\n' >"$cfg"

# --- Spreadsheet-facing CSV neutralises formulas -----------------------------------------------
curl -sf -K - -X POST -H 'Content-Type: application/json' "$BASE_URL/v1/contacts" \
  -d '{"version":0,"roles":{"customer":{}},"company":{"name":"=HYPERLINK(\"http://evil.example\",\"x\")"}}' \
  <<<"header = \"Authorization: Bearer $SANDBOX_KEY\"" >/dev/null
csv=$(lexsync contacts pull -o csv)
assert_contains "$csv" "'=HYPERLINK"
grep -qE '(^|[,;])"?=HYPERLINK' <<<"$csv" && fail "a formula cell was written as is: $csv"

# --- The sandbox binds to loopback unless told otherwise ------------------------------------------
port=$(sed -E 's#.*:([0-9]+)$#\1#' <<<"$BASE_URL")
hexport=$(printf '%04X' "$port")
grep -qE "^ *[0-9]+: 0100007F:$hexport 00000000:0000 0A" /proc/net/tcp ||
  fail "the sandbox does not listen on 127.0.0.1:$port"
grep -qE "^ *[0-9]+: 00000000:$hexport " /proc/net/tcp && fail "the sandbox listens on every address"
expect_exit 2 lexsync sandbox serve --host 0.0.0.0 --port 0 >/dev/null 2>"$WORK/remote.err"
assert_contains "$(cat "$WORK/remote.err")" "--allow-remote"

# --- TLS: a self-signed server is refused unless ca_bundle names its CA ---------------------------
if ! command -v openssl >/dev/null; then
  echo "ok (TLS part skipped: no openssl CLI)"
  exit 0
fi
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=lexsync test CA" \
  -keyout "$WORK/ca.key" -out "$WORK/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$WORK/srv.key" \
  -out "$WORK/srv.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$WORK/san.ext"
openssl x509 -req -in "$WORK/srv.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial \
  -days 1 -extfile "$WORK/san.ext" -out "$WORK/srv.pem" 2>/dev/null
tls_pid=""
for _ in $(seq 20); do
  tls_port=$((20000 + RANDOM % 40000))
  openssl s_server -quiet -accept "127.0.0.1:$tls_port" -cert "$WORK/srv.pem" -key "$WORK/srv.key" \
    -www >"$WORK/tls.log" 2>&1 &
  tls_pid=$!
  SANDBOX_PIDS+=("$tls_pid")
  sleep 0.3
  kill -0 "$tls_pid" 2>/dev/null && break
done
export LEXSYNC_API_KEY="$SANDBOX_KEY"
export LEXSYNC_BASE_URL="https://127.0.0.1:$tls_port"
printf '[profiles.default]\nrate_limit = 10\n' >"$cfg"
set +e
lexsync contacts pull -o json >/dev/null 2>"$WORK/notrust.err"
rc=$?
set -e
assert_eq "$rc" "5" "exit code against an untrusted certificate"
grep -qiE 'certificate|tls|ssl' "$WORK/notrust.err" || fail "no TLS error: $(cat "$WORK/notrust.err")"
printf '[profiles.default]\nrate_limit = 10\nca_bundle = "%s"\n' "$WORK/ca.pem" >"$cfg"
set +e
lexsync contacts pull -o json >/dev/null 2>"$WORK/trust.err"
set -e
# The handshake succeeds: what fails now is the answer (openssl's status page is not the API).
grep -qiE 'certificate|tls|ssl' "$WORK/trust.err" && fail "TLS refused despite ca_bundle: $(cat "$WORK/trust.err")"
echo "ok: security (argv, CSV formulas, loopback bind, TLS trust)"
