# `tollgate check` on the bundled sample orders: the exit code is 4 (a record is prohibited with proposed rules)
# or 2 (bad record present) as DESIGN §8 says; and --json gives one line per record, identical on two runs.
execute_process(COMMAND ${TG} check --json ${SRC}/fixtures/orders/sample_orders.jsonl
                RESULT_VARIABLE rc1 OUTPUT_VARIABLE out1)
execute_process(COMMAND ${TG} check --json ${SRC}/fixtures/orders/sample_orders.jsonl
                RESULT_VARIABLE rc2 OUTPUT_VARIABLE out2)
if(NOT rc1 EQUAL 2)
  message(FATAL_ERROR "check: expected exit 2 (one bad record), got ${rc1}")
endif()
if(NOT out1 STREQUAL out2)
  message(FATAL_ERROR "check --json is not deterministic")
endif()
execute_process(COMMAND ${TG} check --include-proposed --json ${SRC}/fixtures/orders/sample_orders.jsonl
                RESULT_VARIABLE rc3 OUTPUT_VARIABLE out3)
if(NOT rc3 EQUAL 4)
  message(FATAL_ERROR "check --include-proposed: expected exit 4 (B200 to China prohibited), got ${rc3}")
endif()
string(REGEX MATCHALL "\n" lines "${out1}")
list(LENGTH lines n)
if(NOT n EQUAL 11)
  message(FATAL_ERROR "check --json: expected 11 lines, got ${n}")
endif()
