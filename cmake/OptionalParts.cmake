# Optional parts: targets left out and tests that will report SKIP because a tool or a
# library is missing. Each directory records them while it is configured; the top-level
# CMakeLists.txt prints them once, at the end, with what installs the missing piece.
#
# A find_program / find_library / find_path result that is NOTFOUND is not final: CMake
# searches again on every configure (only found paths stay cached), and `make build`
# configures every time, so `tools/bootstrap --bench` followed by `make build` builds
# storage_bench without clearing anything by hand.

# ringkv_skipped(WHAT REASON): WHAT (a target, or "test NAME") is not built or will skip.
function(ringkv_skipped what reason)
  set_property(GLOBAL APPEND PROPERTY RINGKV_SKIPPED_PARTS "${what}: ${reason}")
endfunction()

# ringkv_find_optional_program(VAR NAME WHAT INSTALL): finds NAME (also in /usr/sbin, where
# nginx lives); when it is missing, records WHAT as skipped, saying that INSTALL provides it.
function(ringkv_find_optional_program var name what install)
  find_program(${var} ${name} PATHS /usr/sbin)
  if(NOT ${var})
    ringkv_skipped("${what}" "${name} not found (${install})")
  endif()
endfunction()

# ringkv_report_skipped(): the summary block, one line per skipped part.
function(ringkv_report_skipped)
  get_property(parts GLOBAL PROPERTY RINGKV_SKIPPED_PARTS)
  if(NOT parts)
    message(STATUS "ringkv: no optional part skipped (every tool and library was found)")
    return()
  endif()
  list(LENGTH parts count)
  message(STATUS "ringkv: ${count} optional part(s) skipped:")
  foreach(part IN LISTS parts)
    message(STATUS "ringkv: skipped ${part}")
  endforeach()
endfunction()
