#!/usr/bin/env bash
# Every refusal of a bad network spec names the file and the JSON path of the
# offending value, in the project's words, with the documented exit code.
# Usage: refusals.sh MOONWALK DATA_DIR
set -uo pipefail
moonwalk=$1
data=$2
failures=0
expect() {  # file, exit code, text the message must contain
  local file=$1 code=$2 text=$3 out rc
  out=$("$moonwalk" check --net "$file" 2>&1 >/dev/null)
  rc=$?
  if [ "$rc" -ne "$code" ] || [[ "$out" != *"$text"* ]] || [[ "$out" == *"json.exception"* ]]; then
    echo "FAIL $file: exit $rc (want $code), message: $out (want: $text)"
    failures=$((failures + 1))
  else
    echo "ok   $file: $out"
  fi
}
expect "$data/array.json" 65 "array.json: (top): a network spec must be a JSON object"
expect "$data/no_layers.json" 65 "no_layers.json: (top): missing 'layers'"
expect "$data/not_a_number.json" 65 "not_a_number.json: layers[0].params[3]: \"abc\" is not a finite decimal number"
expect "$data" 65 "refused: is a directory, not a JSON file"
expect "$data/huge_conv.json" 65 "huge_conv.json: layers[0]: the network up to here needs"
expect "$data/unknown_op.json" 65 "unknown_op.json: layers[0].op: \"dnse\" is not an operator (dense,"
expect "$data/bad_padding.json" 65 "bad_padding.json: layers[0].padding: \"zeros\" is not one of zero, circular"
expect "$data/not_json.json" 65 "not_json.json: not JSON: parse error at line"
expect "$data/wrong_params.json" 65 "wrong_params.json: layers[0].params: must have 6 entries, has 2"
expect "$data/number_overflow.json" 65 "number_overflow.json: not JSON: number overflow parsing '1e999'"
expect "$data/missing.json" 66 "missing.json: no such file"
exit $((failures > 0))
