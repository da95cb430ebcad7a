#!/usr/bin/env bash
# The unit, its config file and docs/deployment.md agree on the keys:
#   every SIGNDPU_* key of the config has a default Environment= in the unit
#   with the same value, is used by ExecStart, and is documented in the docs;
#   every SIGNDPU_* Environment= default of the unit is in the config.
#   config_keys_check.sh UNIT CONF DOC
set -euo pipefail
unit="$1" conf="$2" doc="$3"
fail=0
bad() { echo "FAIL: $*"; fail=1; }

mapfile -t conf_keys < <(grep -oE '^SIGNDPU_[A-Z0-9_]+=' "$conf" | tr -d '=')
mapfile -t unit_keys < <(grep -oE '^Environment=SIGNDPU_[A-Z0-9_]+=' "$unit" | sed 's/^Environment=//; s/=$//')
((${#conf_keys[@]} > 0)) || bad "$conf defines no SIGNDPU_* key"
exec_start="$(grep -E '^ExecStart=' "$unit")"
grep -qE '^EnvironmentFile=-?/etc/signdpu/signdpu.conf$' "$unit" || bad "$unit does not read EnvironmentFile=-/etc/signdpu/signdpu.conf"

for key in "${conf_keys[@]}"; do
  conf_value="$(grep -E "^${key}=" "$conf" | tail -n1 | cut -d= -f2-)"
  unit_line="$(grep -E "^Environment=${key}=" "$unit" | tail -n1 || true)"
  if [[ -z "$unit_line" ]]; then
    bad "$key: no default Environment=$key=... in $unit"
  elif [[ "${unit_line#Environment=${key}=}" != "$conf_value" ]]; then
    bad "$key: unit default '${unit_line#Environment=${key}=}' != config '$conf_value'"
  fi
  grep -qE "\\$\\{?${key}\\}?" <<<"$exec_start" || bad "$key: not used by ExecStart"
  grep -q "$key" "$doc" || bad "$key: not documented in $doc"
done
for key in "${unit_keys[@]}"; do
  # A here-string, not `printf | grep -q`: grep -q leaves at the first match
  # and, under pipefail, printf's SIGPIPE would fail the pipeline (it did, on
  # a loaded machine, for the first key).
  grep -qx "$key" <<<"$(printf '%s\n' "${conf_keys[@]}")" || bad "$key: set in $unit but missing from $conf"
done
((fail == 0)) && echo "ok: ${#conf_keys[@]} keys agree between unit, config and docs: ${conf_keys[*]}"
exit "$fail"
