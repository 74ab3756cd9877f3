# shellcheck shell=bash
# The side-by-side part of `make bench-load` (sourced by bench/run.sh, after bench/lib.sh;
# not run alone): the workloads of bench/lua/vs_*.lua against
#
# - ours: the gateway at its defaults;
# - prod: the same binary with production settings: a local redis-server as
#   --cache-redis-url (which the rate limiter shares too), --max-cost, a Redis-shared
#   --rate-limit far above the load (nothing may be refused: every non-2xx fails the
#   run), --api-keys (the Lua scripts send the key) and --trusted-documents-mode enforce
#   with a manifest of the workloads' operations (bench/lua/operations.lua);
# - bare: the bare axum handler, for hot only (the machine's HTTP limit);
# - every Tailcall of TAILCALL_VERSIONS, plain and with @cache on `product`
#   (bench/tailcall/catalog.graphql), not for pos (Tailcall has no `lookups`);
#
# all over one demo catalog (0 ms), a fresh process per run, the peers of a workload
# one after the other (interleaved, so a burst of other load hits them alike), every
# response checked, no key asked twice across runs (each run walks its own slot).
# Prints, per workload, the goals of issue 24 (Must 6).
#
# VS_ROUNDS rounds (1): every workload and peer again, round after round; each figure
# is then the median of its rounds (errors: their sum), each ratio the median of the
# rounds' ratios (the best Tailcall of each round), the goals judged on those, and each
# row lists its ratio in every round. On a shared 2-core host one round can
# flip a goal at its edge (bench/JOURNAL.md, "Session 19").
#
# Hot, isolated (VS_ISOLATE=1 on 2 or more CPUs): every round, the hot peers again with
# the server bound to CPU 0 (its runtime then sizes itself to one CPU) and one wrk
# thread bound to CPU 1. The shared runs measure what a request costs the machine, but
# their hot p99 measures wrk: two wrk threads and the server's workers share two CPUs,
# and the faster the server, the more often a wrk thread waits a scheduler slice for
# the CPU before it reads an answer (the bare handler's own p99 was 4.2 ms that way,
# 0.57 ms isolated; bench/JOURNAL.md, "Session 28"). Hot's p99 goal is judged on the
# isolated pass; both p99s are reported.
#
# The caller sets BIN, BARE, BARE_ON, BARE_PORT, GW_PORT, WORK, WARMUP, THREADS, CONNS,
# VS_DURATION, VS_WORKLOADS, VS_ROUNDS, VS_ISOLATE, VS_PRODUCTION, PROD_MAX_COST, PROD_RATE_LIMIT and has
# run ensure_tailcall for each of TAILCALL_VERSIONS; vs_bench measures (VS_FAILED=1
# when our gateway had errors), vs_report prints the Markdown.

VS_UPSTREAM_PORT=19093
VS_UPSTREAM=http://127.0.0.1:$VS_UPSTREAM_PORT
POS_CODES=30        # codes per POS request (bench/lua/vs_pos.lua)
BASKET_PRODUCTS=40  # products per basket request (bench/lua/vs_basket.lua)
VS_FAILED=0
declare -A VS_NAME=([ours]="catalog-gateway" [prod]="catalog-gateway, production settings" [bare]="bare axum handler")
declare -A VS_PORT=() # set in vs_bench
declare -A TC_VERSION_OF=()
TC_PEERS=()
declare -A VS_RPS VS_P50 VS_P99 VS_ERR VS_NERR VS_CPU VS_RSS VS_OTHERS VS_REDIS_CMDS VS_REDIS_CPU VS_REDIS_KEYS VS_FALLBACKS
VS_ROWS=()
PROD_ROWS=()
POS_ROWS=()
ISO_ROWS=()
# Set (to a CPU number) for the isolated pass: vs_start binds the server to it.
VS_PIN_CPU=
# Each round's figures: VS_ROUND[FIELD:WORKLOAD/PEER:ROUND].
declare -A VS_ROUND=()

# The gateway's flags in every side-by-side run (logs: JSON lines to a file).
vs_ours_args() {
  echo --upstream-url "$VS_UPSTREAM" --drain-delay-ms 0 --shutdown-timeout-ms 2000 --log-format json
}

# vs_peers WORKLOAD: who runs it, in order.
vs_peers() {
  local peers=(ours)
  [ "$VS_PRODUCTION" = 1 ] && peers+=(prod)
  [ "$1" = hot ] && [ "$BARE_ON" = 1 ] && peers+=(bare)
  [ "$1" = pos ] || peers+=("${TC_PEERS[@]}")
  echo "${peers[@]}"
}

# vs_start PEER LOGFILE: starts PEER (bound to VS_PIN_CPU when set) and waits until it
# serves; sets VS_PID.
vs_start() {
  local peer=$1 url=http://127.0.0.1:${VS_PORT[$1]} i ours pin=()
  read -ra ours <<<"$(vs_ours_args)"
  [ -n "$VS_PIN_CPU" ] && pin=(pinned "$VS_PIN_CPU")
  case $peer in
    ours) start "gateway" "$2" "${pin[@]}" "$BIN" --listen "127.0.0.1:${VS_PORT[ours]}" "${ours[@]}" ;;
    prod)
      redis_reset
      # The bypass secret from the environment, as README advises (not in `ps`).
      start "gateway, production settings" "$2" "${pin[@]}" env "CATALOG_TRUSTED_DOCUMENTS_BYPASS_SECRET=$BYPASS_SECRET" \
        "$BIN" --listen "127.0.0.1:${VS_PORT[prod]}" "${ours[@]}" "${PROD_FLAGS[@]}"
      ;;
    bare) start "bare handler" "$2" "${pin[@]}" "$BARE" "127.0.0.1:$BARE_PORT" "$WORK/hot_body.json" ;;
    *) start "${VS_NAME[$peer]}" "$2" "${pin[@]}" tailcall_exec "${TC_VERSION_OF[$peer]}" start "$WORK/$peer.graphql" ;;
  esac
  VS_PID=$LAST_PID
  for ((i = 0; i < 600; i++)); do
    case $peer in
      ours | prod | bare) [ "$(http_code "$url/readyz")" = 200 ] && return 0 ;;
      *) [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 -X POST "$url/graphql" \
        -H 'content-type: application/json' -d '{"query":"{ __typename }"}')" = 200 ] && return 0 ;;
    esac
    kill -0 "$VS_PID" 2>/dev/null || break
    sleep 0.05
  done
  tail -5 "$2" >&2
  die "${VS_NAME[$peer]} did not start serving (log $2)"
}

# expect_answer URL WHAT STATUS CODE CURL_ARGS...: one POST answers STATUS (and holds
# the error code CODE, if not empty), or the run stops.
expect_answer() {
  local url=$1 what=$2 status=$3 code=$4 got
  shift 4
  got=$(curl -s -o "$WORK/prod-check.json" -w '%{http_code}' --max-time 5 "$url/graphql" \
    -H 'content-type: application/json' "$@")
  if [ "$got" != "$status" ] || { [ -n "$code" ] && ! grep -q "\"$code\"" "$WORK/prod-check.json"; }; then
    die "production settings: $what answered $got $(head -c 300 "$WORK/prod-check.json"), not $status $code"
  fi
}

# prod_check URL: the production settings are really on: no key is 401, an operation
# not in the manifest 400 PERSISTED_QUERY_NOT_ALLOWED, one over --max-cost 400
# QUERY_TOO_COSTLY, a listed one with the key 200.
prod_check() {
  local product costly
  product=$(jq -c '{query: first(.operations[] | select(.name == "Product") | .body),
    variables: {gtin: "00036000291452"}}' "$WORK/trusted-documents.json")
  costly=$(jq -cn --argjson n "$((PROD_MAX_COST + 1))" \
    '{query: ("{ products(gtins: [" + ([range($n) | "\"00036000291452\""] | join(", ")) + "]) { gtin } }")}')
  expect_answer "$1" "a request without an API key" 401 UNAUTHENTICATED -d "$product"
  expect_answer "$1" "an operation not in the manifest" 400 PERSISTED_QUERY_NOT_ALLOWED \
    -H "x-api-key: $API_KEY" -d '{"query":"{ __typename }"}'
  expect_answer "$1" "an operation over --max-cost" 400 QUERY_TOO_COSTLY \
    -H "x-api-key: $API_KEY" -H "x-trusted-documents-bypass: $BYPASS_SECRET" -d "$costly"
  expect_answer "$1" "a listed operation" 200 "" -H "x-api-key: $API_KEY" -d "$product"
}

# vs_run WORKLOAD PEER [isolated]: one measured run; fills VS_*[WORKLOAD/PEER], or with
# `isolated` (hot only) VS_*[hot-isolated/PEER]: the server bound to CPU 0, one wrk
# thread to CPU 1.
vs_run() {
  local script=$1 wl=$1 peer=$2
  if [ "${3:-}" = isolated ]; then
    wl=$1-isolated
    local VS_PIN_CPU=0 THREADS=1 WRK_PIN=(taskset -c 1)
  fi
  local name=$WORK/vs-$wl-$2 url=http://127.0.0.1:${VS_PORT[$2]} key=$wl/$2
  local s=0 ns=1 t0 t1 u0 u1 r0 r1 c0 c1 hwm errors wrk_us up_us
  # hot asks one key again and again: it needs no slot of its own.
  if [ "$script" != hot ]; then
    s=$VS_SLOT ns=$VS_NSLOTS
    VS_SLOT=$((VS_SLOT + 1))
  fi
  log "side by side: $wl, ${VS_NAME[$peer]}"
  vs_start "$peer" "$name.log"
  LUA_HEADERS=
  if [ "$peer" = prod ]; then
    prod_check "$url"
    LUA_HEADERS="x-api-key: $API_KEY"
    # The aliases' text changes per request, so no manifest can list it: it is sent as
    # a same-origin tool sends what is not listed (cost, rate limit and key still apply).
    [ "$script" = aliases ] && LUA_HEADERS+=$'\n'"x-trusted-documents-bypass: $BYPASS_SECRET"
  fi
  run_wrk "vs_$script" "$url" 0 "$WARMUP" "$name-warmup.txt" "$s" "$ns"
  sleep 0.3
  t0=$(cpu_ticks "$VS_PID")
  u0=$(cpu_ticks "$VS_UPSTREAM_PID")
  if [ "$peer" = prod ]; then
    r0=$(cpu_ticks "$REDIS_PID")
    c0=$(redis_stat total_commands_processed)
  fi
  # wrk's own CPU (user + system), from bash's `time` of the run.
  local TIMEFORMAT='%U %S'
  { time run_wrk "vs_$script" "$url" 1 "$VS_DURATION" "$name.txt" "$s" "$ns"; } 2>"$name.wrk-cpu"
  t1=$(cpu_ticks "$VS_PID")
  u1=$(cpu_ticks "$VS_UPSTREAM_PID")
  if [ "$peer" = prod ]; then
    r1=$(cpu_ticks "$REDIS_PID")
    c1=$(redis_stat total_commands_processed)
    VS_FALLBACKS[$key]=$(curl -s --max-time 2 "$url/readyz" | jq -r '.detail.protection.redisFallbacks // "?"')
    VS_REDIS_KEYS[$key]=$(redis_keys)
  fi
  hwm=$(vm_hwm_kb "$VS_PID")
  stop "$VS_PID"
  LUA_HEADERS=
  parse_result "$name.txt"
  errors=$((R_socket_errors + R_non2xx + R_gql_errors))
  [ "$R_checked" -gt 0 ] || errors=$((errors + 1))
  if [ "$errors" -gt 0 ] || [ "${R_reused:-0}" -gt 0 ]; then
    log "$wl ${VS_NAME[$peer]}: errors (socket $R_socket_errors, non-2xx $R_non2xx, GraphQL/incomplete $R_gql_errors, keys reused ${R_reused:-0}): $SAMPLE (log $name.log, wrk $name.txt)"
  fi
  case $peer in ours | prod) [ "$errors" -gt 0 ] && VS_FAILED=1 ;; esac
  VS_NERR[$key]=$errors
  VS_RPS[$key]=$R_rps
  VS_P50[$key]=$R_p50_us
  VS_P99[$key]=$R_p99_us
  VS_ERR[$key]="$R_socket_errors / $R_non2xx / $R_gql_errors"
  VS_CPU[$key]=$(per_request "$((t1 - t0))" "$R_requests")
  VS_RSS[$key]=$(div "$hwm" 1024 "%.0f")
  # CPU the load generator and the upstream spent per request: what the machine has
  # left for the gateway. With it, the most any gateway could do here is NPROC
  # seconds of CPU a second / (this per request).
  wrk_us=$(awk '{printf "%.0f", ($1 + $2) * 1000000}' "$name.wrk-cpu")
  up_us=$(((u1 - u0) * 1000000 / $(getconf CLK_TCK)))
  VS_OTHERS[$key]=$(div "$((wrk_us + up_us))" "$R_requests" "%.0f")
  if [ "$peer" = prod ]; then
    VS_REDIS_CMDS[$key]=$(div "$((c1 - c0 - 1))" "$R_requests" "%.2f") # less our INFO
    VS_REDIS_CPU[$key]=$(per_request "$((r1 - r0))" "$R_requests")
    log "$wl ${VS_NAME[$peer]}: Redis ${VS_REDIS_CMDS[$key]} commands/req, ${VS_REDIS_CPU[$key]} µs CPU/req, ${VS_REDIS_KEYS[$key]} keys; limiter's Redis fallbacks ${VS_FALLBACKS[$key]}"
  fi
  log "$wl ${VS_NAME[$peer]}: $(printf '%.0f' "$R_rps") req/s, p99 $(ms "$R_p99_us") ms, CPU ${VS_CPU[$key]} µs/req, errors ${VS_ERR[$key]}"
}

# vs_keep KEY ROUND: the figures vs_run just made for KEY, kept as ROUND's.
vs_keep() {
  local field
  for field in RPS P50 P99 CPU RSS OTHERS NERR ERR; do
    unset -n figures
    local -n figures=VS_$field
    VS_ROUND[$field:$1:$2]=${figures[$1]}
  done
}

# vs_combine KEY: KEY's figures over the rounds: the median of each number, the sum of
# the errors; Redis's figures stay the last round's.
vs_combine() {
  local key=$1 field r sock non2xx gql a b c
  [ "$VS_ROUNDS" -gt 1 ] || return 0
  for field in RPS:%.1f P50:%.0f P99:%.0f CPU:%.1f RSS:%.0f OTHERS:%.0f; do
    unset -n figures
    local -n figures=VS_${field%%:*}
    local values=()
    for ((r = 1; r <= VS_ROUNDS; r++)); do values+=("${VS_ROUND[${field%%:*}:$key:$r]}"); done
    figures[$key]=$(median "${field#*:}" "${values[@]}")
  done
  VS_NERR[$key]=0 sock=0 non2xx=0 gql=0
  for ((r = 1; r <= VS_ROUNDS; r++)); do
    VS_NERR[$key]=$((${VS_NERR[$key]} + ${VS_ROUND[NERR:$key:$r]}))
    IFS=' /' read -r a b c <<<"${VS_ROUND[ERR:$key:$r]}"
    sock=$((sock + a)) non2xx=$((non2xx + b)) gql=$((gql + c))
  done
  VS_ERR[$key]="$sock / $non2xx / $gql"
}

# vs_round_ratios A B WORKLOAD: A's requests/s over B's in each round, one a line; B
# `best` is the best Tailcall of that round.
vs_round_ratios() {
  local r b peer
  for ((r = 1; r <= VS_ROUNDS; r++)); do
    b=$2
    if [ "$b" = best ]; then
      b=${TC_PEERS[0]}
      for peer in "${TC_PEERS[@]}"; do
        awk -v a="${VS_ROUND[RPS:$3/$peer:$r]}" -v c="${VS_ROUND[RPS:$3/$b:$r]}" 'BEGIN {exit !(a > c)}' && b=$peer
      done
    fi
    div "${VS_ROUND[RPS:$3/$1:$r]}" "${VS_ROUND[RPS:$3/$b:$r]}" "%.4f"
    echo
  done
}

# vs_ratio A B WORKLOAD: the median of vs_round_ratios (a round's two figures were
# measured minutes apart, interleaved; medians of each side alone could pair a good
# round of one with a bad round of the other). Unrounded: goals compare it.
vs_ratio() {
  local ratios
  mapfile -t ratios < <(vs_round_ratios "$@")
  median "%.4f" "${ratios[@]}"
}

# vs_rounds A B WORKLOAD: " (rounds: r1, r2, …)" for the rows; "" for one round.
vs_rounds() {
  local ratios joined
  [ "$VS_ROUNDS" -gt 1 ] || return 0
  mapfile -t ratios < <(vs_round_ratios "$@")
  joined=$(printf '%.2f, ' "${ratios[@]}")
  echo " (rounds: ${joined%, })"
}

# vs_cell WORKLOAD PEER: one peer's figures.
vs_cell() {
  echo "$(printf '%.0f' "${VS_RPS[$1/$2]}") req/s, p99 $(ms "${VS_P99[$1/$2]}") ms, ${VS_CPU[$1/$2]} µs CPU/req, ${VS_RSS[$1/$2]} MB"
}

# vs_best WORKLOAD: the Tailcall peer with the most requests/s in it.
vs_best() {
  local best=${TC_PEERS[0]} peer
  for peer in "${TC_PEERS[@]}"; do
    awk -v a="${VS_RPS[$1/$peer]}" -v b="${VS_RPS[$1/$best]}" 'BEGIN {exit !(a > b)}' && best=$peer
  done
  echo "$best"
}

# vs_hot_isolated: whether the isolated hot pass ran.
vs_hot_isolated() { [ -n "${VS_RPS[hot-isolated/ours]:-}" ]; }

# vs_hot_p99_ok PEER BEST: hot's p99 condition for PEER (ours or prod) as an awk
# expression: against the best Tailcall of the isolated pass when it ran, else against
# BEST (the shared runs' best).
vs_hot_p99_ok() {
  if vs_hot_isolated && [ -n "${VS_P99[hot-isolated/$1]:-}" ]; then
    echo "${VS_P99[hot-isolated/$1]} <= ${VS_P99[hot-isolated/$(vs_best hot-isolated)]}"
  else
    echo "${VS_P99[hot/$1]} <= ${VS_P99[hot/$2]}"
  fi
}

# vs_hot_p99 PEER BEST: the p99s hot's goal compares, in words.
vs_hot_p99() {
  local iso
  if vs_hot_isolated && [ -n "${VS_P99[hot-isolated/$1]:-}" ]; then
    iso=$(vs_best hot-isolated)
    echo "p99 isolated $(ms "${VS_P99[hot-isolated/$1]}") vs ${VS_NAME[$iso]} $(ms "${VS_P99[hot-isolated/$iso]}") ms (shared $(ms "${VS_P99[hot/$1]}") vs $(ms "${VS_P99[hot/$2]}"))"
  else
    echo "p99 $(ms "${VS_P99[hot/$1]}") vs $(ms "${VS_P99[hot/$2]}") ms"
  fi
}

# vs_iso_rows: the isolated hot pass's table rows.
vs_iso_rows() {
  local peer key peers
  vs_hot_isolated || return 0
  read -ra peers <<<"$(vs_peers hot)"
  for peer in "${peers[@]}"; do
    key=hot-isolated/$peer
    ISO_ROWS+=("| ${VS_NAME[$peer]} | $(printf '%.0f' "${VS_RPS[$key]}") | $(ms "${VS_P50[$key]}") | **$(ms "${VS_P99[$key]}")** | $(ms "${VS_P99[hot/$peer]}") | ${VS_CPU[$key]} | ${VS_ERR[$key]} |")
  done
}

# vs_rows WORKLOAD: its rows of the three tables, from the runs just made.
vs_rows() {
  local wl=$1 best="" ratio raw goal cells="" errs peer ceiling pct
  if [ "$wl" != pos ] && [ ${#TC_PEERS[@]} -gt 0 ]; then
    best=$(vs_best "$wl")
    raw=$(vs_ratio ours best "$wl")
    ratio=$(printf '%.2f' "$raw")
    if [ "$wl" = hot ]; then
      if [ "$BARE_ON" = 1 ]; then
        pct=$(vs_ratio ours bare hot)
        goal="$(awk -v p="$pct" 'BEGIN {printf "%.0f", p * 100}') % of the bare handler$(vs_rounds ours bare hot) ($(vs_cell hot bare); errors ${VS_ERR[hot/bare]}); $(vs_hot_p99 ours "$best"): $(met "$pct >= 0.85 && $(vs_hot_p99_ok ours "$best")")"
      else
        goal="– (no bare handler run: BENCH_BARE=0)"
      fi
    else
      goal=$(met "$raw >= 2 && ${VS_P99[$wl/ours]} <= ${VS_P99[$wl/$best]}")
    fi
    [ "${VS_NERR[$wl/ours]}" -eq 0 ] || goal="**not met** (errors)"
    errs=${VS_ERR[$wl/ours]}
    for peer in "${TC_PEERS[@]}"; do
      cells+=" $(vs_cell "$wl" "$peer") |"
      errs+=" · ${VS_ERR[$wl/$peer]}"
    done
    # The ceiling: requests/s if the gateway took no CPU at all, from what wrk and the
    # upstream spent per request in our run.
    ceiling=$(div "$((NPROC * 1000000))" "${VS_OTHERS[$wl/ours]}" "%.0f")
    VS_ROWS+=("| $wl | $(vs_cell "$wl" ours) |$cells **${ratio}×**$(vs_rounds ours best "$wl") (vs ${VS_NAME[$best]}) | ${VS_OTHERS[$wl/ours]} µs; ceiling $ceiling req/s = $(div "$ceiling" "${VS_RPS[$wl/$best]}" "%.2f")× | $errs | $goal |")
    log "$wl: ours / best Tailcall (${VS_NAME[$best]}) = ${ratio}×$(vs_rounds ours best "$wl"), p99 $(ms "${VS_P99[$wl/ours]}") vs $(ms "${VS_P99[$wl/$best]}") ms: $goal"
  fi
  if [ "$VS_PRODUCTION" = 1 ]; then
    local vs_def goal_def best_cell vs_best_ratio goal_best bound
    raw=$(vs_ratio prod ours "$wl")
    vs_def=$(printf '%.2f' "$raw")
    goal_def=$(met "$raw >= 0.8")
    # The most production / defaults can be on this machine: a production gateway
    # spending no more CPU a request than at defaults, beside what Redis, wrk and the
    # upstream spend a request in the production run (all share these CPUs).
    bound=$(awk -v od="${VS_OTHERS[$wl/ours]}" -v g="${VS_CPU[$wl/ours]}" \
      -v op="${VS_OTHERS[$wl/prod]}" -v r="${VS_REDIS_CPU[$wl/prod]}" \
      'BEGIN {printf "%.2f", (od + g) / (op + g + r)}')
    if [ -n "$best" ]; then
      best_cell="${VS_NAME[$best]}: $(printf '%.0f' "${VS_RPS[$wl/$best]}") req/s, p99 $(ms "${VS_P99[$wl/$best]}") ms"
      raw=$(vs_ratio prod best "$wl")
      vs_best_ratio="**$(printf '%.2f' "$raw")×**"
      if [ "$wl" = hot ]; then
        goal_best=$(met "$raw >= 1.5 && $(vs_hot_p99_ok prod "$best")")
        best_cell+="; $(vs_hot_p99 prod "$best")"
      else
        goal_best=$(met "$raw >= 1.5 && ${VS_P99[$wl/prod]} <= ${VS_P99[$wl/$best]}")
      fi
    else
      best_cell="– (Tailcall has no \`lookups\`)" vs_best_ratio="–" goal_best="–"
    fi
    if [ "${VS_NERR[$wl/prod]}" -gt 0 ] || [ "${VS_NERR[$wl/ours]}" -gt 0 ]; then
      goal_def="**not met** (errors)"
      [ "$goal_best" = "–" ] || goal_best="**not met** (errors)"
    fi
    PROD_ROWS+=("| $wl$([ "$wl" = aliases ] && echo " (sent with the bypass header: its text changes per request)") | $(vs_cell "$wl" prod) | $(printf '%.0f' "${VS_RPS[$wl/ours]}") req/s, p99 $(ms "${VS_P99[$wl/ours]}") ms | **${vs_def}×**$(vs_rounds prod ours "$wl") | ${bound}×$(awk -v b="$bound" 'BEGIN {if (b < 0.8) print " (below 0.80: out of reach here)"}') | $best_cell | $vs_best_ratio$(if [ -n "$best" ]; then vs_rounds prod best "$wl"; fi) | ${VS_REDIS_CMDS[$wl/prod]} · ${VS_REDIS_CPU[$wl/prod]} µs · ${VS_REDIS_KEYS[$wl/prod]} · ${VS_FALLBACKS[$wl/prod]} | ${VS_ERR[$wl/prod]} | $goal_def | $goal_best |")
    log "$wl: production / defaults = ${vs_def}×$(vs_rounds prod ours "$wl") ($goal_def; at most ${bound}× here); production / best Tailcall = $vs_best_ratio ($goal_best)"
  fi
}

# vs_pos_rows: CPU per POS code against CPU per basket product, each configuration
# against itself (the basket of this run).
vs_pos_rows() {
  local cfg per_code per_product goal
  for cfg in ours prod; do
    [ -n "${VS_RPS[pos/$cfg]:-}" ] || continue
    per_code=$(div "${VS_CPU[pos/$cfg]}" "$POS_CODES" "%.1f")
    per_product="–" goal="– (no basket run)"
    if [ -n "${VS_RPS[basket/$cfg]:-}" ]; then
      per_product=$(div "${VS_CPU[basket/$cfg]}" "$BASKET_PRODUCTS" "%.1f")
      goal=$(met "$per_code <= $per_product")
    fi
    [ "${VS_NERR[pos/$cfg]}" -eq 0 ] || goal="**not met** (errors)"
    POS_ROWS+=("| ${VS_NAME[$cfg]} | $(printf '%.0f' "${VS_RPS[pos/$cfg]}") | $(ms "${VS_P99[pos/$cfg]}") | ${VS_ERR[pos/$cfg]} | ${VS_CPU[pos/$cfg]} | **$per_code** | $per_product | $goal |")
    log "pos, ${VS_NAME[$cfg]}: CPU per code $per_code µs, basket CPU per product $per_product µs: $goal"
  done
}

vs_bench() {
  local wl peer port=19081 n=0 v variant peers round
  VS_PORT=([ours]=$GW_PORT [prod]=$GW_PORT [bare]=$BARE_PORT)
  for wl in $VS_WORKLOADS; do
    [ -f "bench/lua/vs_$wl.lua" ] || die "BENCH_VS_WORKLOADS: no bench/lua/vs_$wl.lua"
  done
  start "demo catalog (side by side)" "$WORK/demo-vs.log" \
    "$BIN" demo-catalog --listen "127.0.0.1:$VS_UPSTREAM_PORT"
  VS_UPSTREAM_PID=$LAST_PID
  wait_http "$VS_UPSTREAM/products/09520000000004"
  for v in $TAILCALL_VERSIONS; do
    for variant in p c; do
      peer=tc$n$variant
      TC_PEERS+=("$peer")
      TC_VERSION_OF[$peer]=$v
      VS_PORT[$peer]=$port
      if [ "$variant" = p ]; then
        VS_NAME[$peer]="Tailcall $v"
        tailcall_config bench/tailcall/catalog.graphql "$WORK/$peer.graphql" "$port" "$VS_UPSTREAM" ""
      else
        VS_NAME[$peer]="Tailcall $v + @cache"
        tailcall_config bench/tailcall/catalog.graphql "$WORK/$peer.graphql" "$port" "$VS_UPSTREAM" "@cache(maxAge: 60000)"
      fi
      port=$((port + 1))
    done
    n=$((n + 1))
  done
  if [ "$VS_PRODUCTION" = 1 ]; then
    mkdir -p "$WORK/redis"
    start_redis "$WORK/redis"
    trusted_manifest "$WORK/trusted-documents.json"
    API_KEY=$(random_secret)
    BYPASS_SECRET=$(random_secret)
    api_keys_file "$WORK/api-keys.json" "$API_KEY" bench-till
    PROD_FLAGS=(--cache-redis-url "$REDIS_URL" --max-cost "$PROD_MAX_COST"
      --rate-limit "$PROD_RATE_LIMIT" --rate-limit-burst "$PROD_RATE_LIMIT"
      --api-keys "$WORK/api-keys.json"
      --trusted-documents "$WORK/trusted-documents.json" --trusted-documents-mode enforce)
  fi
  VS_NSLOTS=0
  for wl in $VS_WORKLOADS; do
    [ "$wl" = hot ] || VS_NSLOTS=$((VS_NSLOTS + $(wc -w <<<"$(vs_peers "$wl")")))
  done
  VS_NSLOTS=$((VS_NSLOTS * VS_ROUNDS))
  [ "$VS_NSLOTS" -gt 0 ] || VS_NSLOTS=1
  VS_SLOT=0
  LOAD_VS_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
  for ((round = 1; round <= VS_ROUNDS; round++)); do
    [ "$VS_ROUNDS" = 1 ] || log "side by side: round $round of $VS_ROUNDS"
    for wl in $VS_WORKLOADS; do
      read -ra peers <<<"$(vs_peers "$wl")"
      for peer in "${peers[@]}"; do
        vs_run "$wl" "$peer"
        vs_keep "$wl/$peer" "$round"
      done
      if [ "$wl" = hot ] && [ "$VS_ISOLATE" = 1 ]; then
        for peer in "${peers[@]}"; do
          vs_run hot "$peer" isolated
          vs_keep "hot-isolated/$peer" "$round"
        done
      fi
    done
  done
  for wl in $VS_WORKLOADS; do
    read -ra peers <<<"$(vs_peers "$wl")"
    for peer in "${peers[@]}"; do
      vs_combine "$wl/$peer"
      [ "$wl" = hot ] && [ "$VS_ISOLATE" = 1 ] && vs_combine "hot-isolated/$peer"
    done
    vs_rows "$wl"
  done
  vs_iso_rows
  vs_pos_rows
  stop "$VS_UPSTREAM_PID"
  [ "$VS_PRODUCTION" = 1 ] && stop "$REDIS_PID"
  LOAD_VS_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
}

vs_report() {
  local peer v header="" names="" align="" ours_args wl_line
  ours_args=$(vs_ours_args)
  wl_line="wrk -t$THREADS -c$CONNS -d${VS_DURATION}s --timeout 2s --latency -s bench/lua/vs_WORKLOAD.lua http://127.0.0.1:PORT -- 1 SLOT SLOTS (after the same for ${WARMUP} s with phase 0), with BENCH_WRK_THREADS=$THREADS"
  echo "## Side by side: Tailcall ${TAILCALL_VERSIONS// / and }$([ "$VS_PRODUCTION" = 1 ] && echo ", and production settings") (issue 24)"
  echo
  echo "- load: $wl_line; every response checked (status, \"errors\", one \"title\" per product asked), no key repeated between runs; the peers of a workload one after the other (interleaved), a fresh process per run"
  echo "- upstream: one demo catalog shared by all (0 ms): \`$BIN demo-catalog --listen 127.0.0.1:$VS_UPSTREAM_PORT\`"
  echo "- catalog-gateway at its defaults: \`$BIN --listen 127.0.0.1:$GW_PORT $ours_args\`"
  if [ "$VS_PRODUCTION" = 1 ]; then
    echo "- catalog-gateway with production settings: the same, and \`--cache-redis-url redis://127.0.0.1:PORT --max-cost $PROD_MAX_COST --rate-limit $PROD_RATE_LIMIT --rate-limit-burst $PROD_RATE_LIMIT --api-keys api-keys.json --trusted-documents trusted-documents.json --trusted-documents-mode enforce\` (the rate limiter shares the cache's Redis), \`CATALOG_TRUSTED_DOCUMENTS_BYPASS_SECRET\` set; Redis $(redis-server --version | sed 's/.* v=\([^ ]*\).*/\1/'): \`$(printf '%q ' "${REDIS_CMD[@]}" | sed "s/$REDIS_PORT/PORT/; s# --dir .*# --dir (a temporary folder)#")\`, emptied (FLUSHALL) before each run; api-keys.json: one key (client \`bench-till\`), sent by the Lua scripts as \`x-api-key\` (BENCH_LUA_HEADERS); trusted-documents.json: the operations of bench/lua/operations.lua (Product, Basket, Pos), sent in full and admitted by their SHA-256; aliases, whose text changes per request, sent with \`x-trusted-documents-bypass\`; checked before each run: no key 401, an unlisted operation 400 PERSISTED_QUERY_NOT_ALLOWED, cost $((PROD_MAX_COST + 1)) 400 QUERY_TOO_COSTLY, a listed one 200"
  fi
  [ "$BARE_ON" = 1 ] && echo "- bare axum handler (hot only, the machine's limit): \`$BARE 127.0.0.1:$BARE_PORT hot_body.json\` (the gateway's answer to the hot query)"
  for v in $TAILCALL_VERSIONS; do
    echo "- Tailcall $v: \`$(tailcall_runs "$v")\`, CONFIG = bench/tailcall/catalog.graphql rendered (@http + batchKey, batch delay 1 ms / 100 keys like ours), plain and with @cache(maxAge: 60000) on product"
  done
  [ "$VS_ROUNDS" = 1 ] || echo "- $VS_ROUNDS rounds (BENCH_VS_ROUNDS), every workload and peer once a round: each figure is the median of its rounds, errors their sum, each ratio the median of the rounds' ratios (against each round's best Tailcall), goals judged on those; \"rounds:\" lists a ratio in each round"
  echo "- load average before $LOAD_VS_BEFORE, after $LOAD_VS_AFTER"
  echo "- CPU = the process's user + system time over the measured run / requests; MB = its peak RSS; wrk + upstream CPU/req: what the load generator and the demo catalog spent per request in our run; the ceiling is the requests/s a gateway taking no CPU at all would reach on these $NPROC CPUs, and its ratio to the best Tailcall: the most any gateway could show here"
  echo
  if [ ${#VS_ROWS[@]} -gt 0 ]; then
    echo "### Defaults against Tailcall"
    echo
    for peer in "${TC_PEERS[@]}"; do
      header+=" ${VS_NAME[$peer]} |"
      names+=" · ${VS_NAME[$peer]}"
      align+="---|"
    done
    echo "| workload | catalog-gateway |$header ours / best Tailcall | wrk + upstream CPU/req; ceiling | errors socket / non-2xx / GraphQL (ours$names) | goal (issue 24): cold, basket, aliases ≥ 2× the best Tailcall; hot ≥ 85 % of the bare handler; p99 no higher than the best Tailcall's (hot's: in the isolated pass, below) |"
    echo "|---|---|${align}---:|---|---|---|"
    printf '%s\n' "${VS_ROWS[@]}"
    echo
  fi
  if [ ${#PROD_ROWS[@]} -gt 0 ]; then
    echo "### Production settings against the defaults and the best Tailcall"
    echo
    echo "| workload | production settings | defaults (same build, same run) | production / defaults | bound: the most production / defaults can be here | best Tailcall (runs none of these features) | production / best Tailcall | Redis commands/req · Redis CPU µs/req · keys at the end · limiter's Redis fallbacks | errors socket / non-2xx / GraphQL | goal: ≥ 0.80× defaults | goal: ≥ 1.5× best Tailcall, p99 no higher |"
    echo "|---|---|---|---:|---:|---|---:|---|---|---|---|"
    printf '%s\n' "${PROD_ROWS[@]}"
    echo
    echo "The bound: (wrk + upstream CPU/req at defaults + the gateway's CPU/req at defaults) / (wrk + upstream CPU/req with production settings + the gateway's CPU/req at defaults + Redis's CPU/req): the ratio a production gateway would reach if it spent not a microsecond more than at defaults, every process sharing these $NPROC CPUs (Redis's figure is the last round's). Where Redis alone spends a request more than a quarter of what the others spend at defaults, 0.80 is out of reach on this machine whatever the gateway does; with Redis on its own host (as deployed) it spends none of the gateway's CPUs."
    echo
  fi
  if [ ${#ISO_ROWS[@]} -gt 0 ]; then
    echo "### Hot, isolated: the server on CPU 0, the load generator on CPU 1"
    echo
    echo "The hot peers again every round, each server started bound to CPU 0 (\`taskset -p -c 0\` before it starts: its runtime sizes itself to one CPU), one wrk thread bound to CPU 1: \`taskset -c 1 wrk -t1 -c$CONNS -d${VS_DURATION}s --timeout 2s --latency -s bench/lua/vs_hot.lua …\` with BENCH_WRK_THREADS=1. In the shared runs the two wrk threads and the server's workers share both CPUs and the hot p99 is mostly a wrk thread waiting its turn for a CPU; here it is the server's. Hot's p99 goal is judged on this table."
    echo
    echo "| peer | req/s | p50 ms | p99 ms | p99 ms in the shared runs | CPU µs/req | errors socket / non-2xx / GraphQL |"
    echo "|---|---:|---:|---:|---:|---:|---|"
    printf '%s\n' "${ISO_ROWS[@]}"
    echo
  fi
  if [ ${#POS_ROWS[@]} -gt 0 ]; then
    echo "### POS: \`lookups\` of $POS_CODES codes (ours only: Tailcall has no equivalent of \`lookups\`)"
    echo
    echo "bench/lua/vs_pos.lua: 23 items never asked before (EAN-13, GTIN-14, \`]E0\` scanner payload, GS1 Digital Link URI), one rescanned in another spelling, 2 UPC-A and 1 UPC-E (curated, cached after the first request), 3 invalid (check digit, letter, length); the codes in a variable. CPU per code = gateway CPU per request / $POS_CODES; per basket product = the basket workload's (same configuration, this run) / $BASKET_PRODUCTS."
    echo
    echo "| configuration | req/s | p99 ms | errors socket / non-2xx / GraphQL | gateway CPU µs/req | CPU µs per code | basket: CPU µs per product | goal: per code ≤ per basket product |"
    echo "|---|---:|---:|---|---:|---:|---:|---|"
    printf '%s\n' "${POS_ROWS[@]}"
    echo
  fi
}
