# `tollgate check` on the bundled samples: exit codes as docs/cli.md ("Exit codes") says, one JSON line per record, bad
# rows reported with line and field, and byte-identical output on a second run.

# Runs `check ARGS...`, fails unless it exits with `want_rc` and prints `want_lines` lines; the output goes to `out`.
function(check_run out want_rc want_lines)
  execute_process(COMMAND ${TG} check --json ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE text)
  if(NOT rc EQUAL want_rc)
    message(FATAL_ERROR "check ${ARGN}: expected exit ${want_rc}, got ${rc}")
  endif()
  string(REGEX MATCHALL "\n" lines "${text}")
  list(LENGTH lines n)
  if(NOT n EQUAL want_lines)
    message(FATAL_ERROR "check ${ARGN}: expected ${want_lines} lines, got ${n}")
  endif()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

set(jsonl ${SRC}/fixtures/orders/sample_orders.jsonl)
check_run(out1 2 14 ${jsonl})                      # one unknown chip: exit 2, the others judged
check_run(out2 2 14 ${jsonl})
if(NOT out1 STREQUAL out2)
  message(FATAL_ERROR "check --json is not deterministic")
endif()
check_run(out3 4 14 --include-proposed ${jsonl})   # B200 to China is prohibited under the bill: exit 4

check_run(out4 2 5 ${SRC}/fixtures/orders/sample_orders.csv)  # five rows, one with a negative quantity
if(NOT out4 MATCHES "\"id\":\"C-3005\",\"error\":\\{\"code\":\"tollgate.input.value\",\"line\":6,\"field\":\"quantity\"")
  message(FATAL_ERROR "check --json CSV: the bad row is not reported with its line and field:\n${out4}")
endif()
