# Shared by the shell end-to-end tests: start a devnet on a free port in a temp home, stop it.
# Needs MOED (the moed executable). Sets DEVNET_HOME, DEVNET_PORT, DEVNET_URL, DEVNET_PID.

free_port() { free_ports 1; }

# free_ports N: the first of N consecutive ports that are free on 127.0.0.1 now (a testnet's
# nodes take BASE, BASE+1, ...). A fixed base can be held by another test's node or by an
# outgoing connection's ephemeral port, so tests that start nodes never hard-code one.
free_ports() {
  python3 - "$1" <<'PY'
import socket, sys
n = int(sys.argv[1])
def free(port):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()
for _ in range(100):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); base = s.getsockname()[1]; s.close()
    if base + n <= 65536 and all(free(base + i) for i in range(n)):
        print(base)
        sys.exit(0)
sys.exit("no run of %d free ports found" % n)
PY
}

rpc() {  # rpc METHOD PARAMS_JSON -> response body
  curl -s -X POST -H 'content-type: application/json' \
    --data "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":${2:-[]}}" "$DEVNET_URL"
}

devnet_start() {  # devnet_start [HOME]
  DEVNET_HOME=${1:-$(mktemp -d /tmp/moed-e2e-XXXXXX)}
  DEVNET_PORT=${DEVNET_PORT:-$(free_port)}
  DEVNET_URL="http://127.0.0.1:$DEVNET_PORT"
  "$MOED" devnet --home "$DEVNET_HOME" --rpc-port "$DEVNET_PORT" >>"$DEVNET_HOME.log" 2>&1 &
  DEVNET_PID=$!
  for _ in $(seq 1 200); do
    if rpc eth_chainId | grep -q result; then return 0; fi
    if ! kill -0 "$DEVNET_PID" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "moed did not start; its log:" >&2
  cat "$DEVNET_HOME.log" >&2
  return 1
}

devnet_stop() {  # SIGTERM, then SIGKILL after 10 s; fails unless moed exits 0
  [[ -n "${DEVNET_PID:-}" ]] || return 0
  kill -TERM "$DEVNET_PID" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$DEVNET_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$DEVNET_PID" 2>/dev/null; then
    kill -KILL "$DEVNET_PID"
    echo "moed did not stop within 10 s of SIGTERM" >&2
    return 1
  fi
  local rc=0
  wait "$DEVNET_PID" || rc=$?
  DEVNET_PID=
  return $rc
}
