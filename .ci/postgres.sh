# Throwaway PostgreSQL cluster for the test suite.
#
#   . .ci/postgres.sh; pg_start    # exports PGPORT and TEST_DATABASE_URL
#   ...run tests...; pg_stop       # stops the server, deletes all its files
#
# Meant to be sourced (by .ci/run, or by a developer in an interactive shell),
# so it does not touch the caller's shell options: errors are returned instead.
# Durability is switched off for speed; never point this at data you care about.

# Run a command as the cluster owner. Root is not allowed to run postgres, so
# as root (CI) we switch to Debian's `postgres` user; anyone else runs it as
# themselves. cd first: postgres may not be able to read the caller's cwd.
_pg_as() {
  if [ "$(id -u)" = 0 ]; then
    (cd "$PG_TMPDIR" && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# Print the bin dir of the highest installed server version, installing
# Debian's server package first if there is none.
_pg_bindir() {
  local initdb
  if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
    echo "postgres.sh: no PostgreSQL server found, installing it" >&2
    # Install postgresql-common on its own first so we can tell it not to
    # create (and start) the default "main" cluster on port 5432: we only
    # want our own throwaway cluster.
    apt-get update >&2 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql-common >&2 &&
      echo 'create_main_cluster = false' >>/etc/postgresql-common/createcluster.conf &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2 ||
      return 1
  fi
  # Glob on initdb, not bin/: a client-only version has a bin/ without a
  # server. sort -V so that e.g. 16 beats 9.6.
  initdb=$(printf '%s\n' /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)
  [ -x "$initdb" ] || { echo "postgres.sh: initdb not found" >&2; return 1; }
  dirname "$initdb"
}

pg_start() {
  local bin
  bin=$(_pg_bindir) || return 1
  _PG_BIN=$bin  # remembered for pg_stop
  # Any free TCP port on loopback, so parallel jobs and a local server on
  # 5432 do not get in the way.
  PGPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') || return 1
  # Fixed /tmp prefix rather than $TMPDIR: the postgres user must be able to
  # reach it, and the unix socket path must stay short (about 100 bytes max).
  PG_TMPDIR=$(mktemp -d /tmp/samen-pg.XXXXXX) || return 1
  [ "$(id -u)" = 0 ] && chown postgres: "$PG_TMPDIR"
  local data="$PG_TMPDIR/data" log="$PG_TMPDIR/server.log"

  # C.UTF-8: UTF-8 text with plain byte-order sorting, the same on every
  # machine; plain C is the fallback where that locale does not exist.
  { _pg_as "$bin/initdb" -D "$data" --auth=trust -U postgres --encoding=UTF8 --locale=C.UTF-8 >/dev/null ||
      _pg_as "$bin/initdb" -D "$data" --auth=trust -U postgres --encoding=UTF8 --locale=C >/dev/null; } ||
    { echo "postgres.sh: initdb failed" >&2; pg_stop; return 1; }

  cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$PG_TMPDIR'
fsync = off
synchronous_commit = off
full_page_writes = off
CONF

  if ! _pg_as "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 start >/dev/null; then
    echo "postgres.sh: server did not start; log follows" >&2
    cat "$log" >&2
    pg_stop
    return 1
  fi

  # Trust auth on loopback, so no password anywhere. CREATE DATABASE cannot run
  # in a transaction, hence two separate -c (psql runs each on its own).
  "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres \
    -c 'CREATE ROLE samen LOGIN SUPERUSER' \
    -c 'CREATE DATABASE samen_test OWNER samen' ||
    { echo "postgres.sh: could not create role/database" >&2; pg_stop; return 1; }

  export PGPORT
  export TEST_DATABASE_URL="postgresql+psycopg://samen@127.0.0.1:$PGPORT/samen_test"
  echo "postgres.sh: PostgreSQL $("$bin/postgres" -V | awk '{print $3}') on 127.0.0.1:$PGPORT (data in $PG_TMPDIR)"
}

# Safe to call more than once, and after a pg_start that failed halfway.
pg_stop() {
  [ -n "${PG_TMPDIR:-}" ] || return 0
  local data="$PG_TMPDIR/data" pid
  if [ -f "$data/postmaster.pid" ]; then
    # The data is thrown away anyway, so an immediate shutdown is fine; if
    # even that fails, kill the postmaster by its recorded pid.
    if ! _pg_as "$_PG_BIN/pg_ctl" -D "$data" -m immediate -w -t 30 stop >/dev/null; then
      pid=$(head -n 1 "$data/postmaster.pid")
      [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
    fi
  fi
  rm -rf "$PG_TMPDIR"
  unset PG_TMPDIR _PG_BIN PGPORT TEST_DATABASE_URL
}
