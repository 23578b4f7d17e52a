#!/usr/bin/env bash
# tollgate tests — issue 14 item 1: a new record field is added by editing rules/ alone. A copy of the bundled rules
# gets one `field` declaration (rules/schema.tg) and one rule that reads it; records carrying the field (JSON, JSONL
# and CSV, a shipment field and a chip field given inline) get that rule's verdict from the unchanged binary. A field
# the schema does not declare is still rejected, and a core field declared wrongly is a compile error.
# Usage: cli_schema_field.sh TOLLGATE SOURCE_DIR WORKDIR
set -u
TG=$1
SRC=$2
WORK=$3
fail=0
expect() {  # expect WHY WANT_RC CMD...: the command's exit code is WANT_RC; its output is left in $out
  local why=$1 want=$2
  shift 2
  out=$("$@" 2>&1)
  local rc=$?
  [ "$rc" = "$want" ] || { echo "FAIL ($why): exit $rc, expected $want"; echo "$out"; fail=1; }
}
has() {  # has WHY TEXT: $out contains TEXT
  grep -qF -- "$2" <<<"$out" || { echo "FAIL ($1): '$2' not in:"; echo "$out"; fail=1; }
}

rm -rf "$WORK"
mkdir -p "$WORK"
cp -r "$SRC/rules" "$WORK/rules"
R=$WORK/rules
cat >>"$R/schema.tg" <<'EOF'

field rack_power_kw on shipment
  type number
  positive
  doc "Test field: the power the racks the chips go into draw, in kW"

field liquid_cooled on chip
  type boolean
  doc "Test field: the chip is liquid-cooled"
EOF
cat >"$R/test_field.tg" <<'EOF'
ruleset test_field "A rule on fields declared in the rules only (test)" {
  source "tests/cli/cli_schema_field.sh"
  status enacted
  effective 2022-08-26
}

rule big_racks on shipment
  when rack_power_kw > 100
  then PROHIBITED
  cite "test: rack_power_kw"

rule cooled_chips on shipment
  when chip.liquid_cooled is given and chip.liquid_cooled
  then PROHIBITED
  cite "test: chip.liquid_cooled"
EOF
expect "the extended rules are lint-clean" 0 "$TG" lint "$R"
expect "the schema lists the new fields" 0 "$TG" schema --rules "$R"
has "rack_power_kw has a slot from the compiler" "shipment	rack_power_kw	number	optional	slot "
has "chip.liquid_cooled has a slot from the compiler" "chip	chip.liquid_cooled	boolean	optional	slot "

# A shipment that is ALLOWED without the field (a 3A090-free chip to Germany).
base='"type":"shipment","date":"2024-06-01","chip":"GeForce RTX 4090D","destination":"DE","end_user_hq":"DE","end_user_parent_hq":"DE","quantity":2,"unit_price_usd":"1600.00"'
printf '{"id":"J-1",%s,"rack_power_kw":150}\n{"id":"J-2",%s,"rack_power_kw":"x"}\n{"id":"J-3",%s,"rack_power_kw":80}\n' \
  "$base" "$base" "$base" >"$WORK/orders.jsonl"
expect "JSONL: the rule reading the new field decides" 4 "$TG" check --rules "$R" --json "$WORK/orders.jsonl"
has "J-1 (150 kW) is PROHIBITED by the rule" '"id":"J-1","type":"shipment","as_of":"2024-06-01","classification":"none","verdict":"PROHIBITED"'
has "the rule is cited" '"rule":"big_racks"'
has "J-2: the declared type is checked" '"id":"J-2","error":{"code":"tollgate.input.type","line":2,"field":"rack_power_kw"'
has "J-3 (80 kW) is ALLOWED" '"id":"J-3","type":"shipment","as_of":"2024-06-01","classification":"none","verdict":"ALLOWED"'

cat >"$WORK/orders.csv" <<'EOF'
id,type,date,chip,destination,end_user_hq,end_user_parent_hq,quantity,unit_price_usd,rack_power_kw
C-1,shipment,2024-06-01,GeForce RTX 4090D,DE,DE,DE,2,1600.00,150
C-2,shipment,2024-06-01,GeForce RTX 4090D,DE,DE,DE,2,1600.00,0
C-3,shipment,2024-06-01,GeForce RTX 4090D,DE,DE,DE,2,1600.00,
EOF
expect "CSV: the rule reading the new field decides" 4 "$TG" check --rules "$R" --json "$WORK/orders.csv"
has "C-1 (150 kW) is PROHIBITED" '"id":"C-1","type":"shipment","as_of":"2024-06-01","classification":"none","verdict":"PROHIBITED"'
has "C-2: positive is checked" '"id":"C-2","error":{"code":"tollgate.input.value","line":3,"field":"rack_power_kw","message":"rack_power_kw must be greater than 0"'
has "C-3 (no figure): fail closed, naming the new field" '"id":"C-3","error":{"code":"tollgate.eval.unknown","line":4,"field":"rack_power_kw"'

# A chip field, given inline (JSON object and CSV chip_ columns).
printf '{"id":"K-1","type":"shipment","date":"2024-06-01","chip":{"name":"Cool","datacenter":false,"tpp":100,"liquid_cooled":true},"destination":"DE","end_user_hq":"DE","end_user_parent_hq":"DE","quantity":1,"unit_price_usd":"1.00","rack_power_kw":10}\n' >"$WORK/chip.jsonl"
expect "an inline chip's new field" 4 "$TG" check --rules "$R" "$WORK/chip.jsonl"
has "K-1 is PROHIBITED through chip.liquid_cooled" "PROHIBITED"
has "by the rule reading it" "cooled_chips"
printf 'id,date,chip_name,chip_datacenter,chip_tpp,chip_liquid_cooled,destination,end_user_hq,end_user_parent_hq,quantity,unit_price_usd,rack_power_kw\nK-2,2024-06-01,Cool,false,100,true,DE,DE,DE,1,1.00,10\n' >"$WORK/chip.csv"
expect "a CSV chip_ column for the new field" 4 "$TG" check --rules "$R" --json "$WORK/chip.csv"
has "K-2 is PROHIBITED through chip.liquid_cooled" '"id":"K-2","type":"shipment","as_of":"2024-06-01","classification":"none","verdict":"PROHIBITED"'

# Unknown fields are still rejected: a misspelling, and the new field under the bundled rules.
printf '{"id":"U-1",%s,"rack_power_kwh":150}\n' "$base" >"$WORK/unknown.jsonl"
expect "a misspelt field is rejected" 2 "$TG" check --rules "$R" "$WORK/unknown.jsonl"
has "with a suggestion" "unknown field 'rack_power_kwh' for a shipment; did you mean 'rack_power_kw'?"
expect "the bundled rules do not know the field" 2 "$TG" check "$WORK/orders.jsonl"
has "rejected as unknown" "unknown field 'rack_power_kw' for a shipment"

# A core field declared other than the engine reads it is a compile error naming what it must be.
perl -0pi -e 's/(field end_user_hq on shipment\n  type) country/$1 text/' "$R/schema.tg"
expect "a core field declared wrongly" 2 "$TG" lint "$R"
has "the core-field check" "error[tollgate.check.core-field]"
has "what the engine reads" "field 'end_user_hq' is read by the engine as a country on shipment"

[ $fail = 0 ] && echo "cli_schema_field: all passed"
exit $fail
