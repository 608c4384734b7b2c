# Sourced by tests/integration/lib.sh and bench/run.sh: connects a profile to a running sandbox
# over OAuth.
#
# oauth_connect BIN PROFILE SCOPES DIR: runs `BIN --profile PROFILE auth login --oauth
# --no-browser` with SCOPES and answers the sandbox's authorization page with curl (the sandbox
# consents at once); the login's stderr goes to DIR/login-PROFILE.err. Fails when no
# authorization URL appears or the login fails.
oauth_connect() {
  local bin=$1 profile=$2 scopes=$3 dir=$4 url="" pid
  rm -f "$dir/login.fifo"
  mkfifo "$dir/login.fifo"
  "$bin" --profile "$profile" auth login --oauth --no-browser -o json --scopes "$scopes" \
    <"$dir/login.fifo" >/dev/null 2>"$dir/login-$profile.err" &
  pid=$!
  exec 3>"$dir/login.fifo"
  for _ in $(seq 400); do
    url=$(grep -o 'http://[^ ]*/oauth2/authorize?[^ ]*' "$dir/login-$profile.err" || true)
    [ -n "$url" ] && break
    sleep 0.05
  done
  if [ -z "$url" ]; then
    exec 3>&-
    wait "$pid" || true
    return 1
  fi
  curl -s -o /dev/null -w '%{redirect_url}' "$url" >&3
  echo >&3
  exec 3>&-
  wait "$pid"
}
