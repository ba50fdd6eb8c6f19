# One ctest entry per doctest test suite: the suite names are read from the test sources
# (TEST_SUITE("name")), so a new file registers itself.
file(GLOB _unit_sources ${CMAKE_SOURCE_DIR}/tests/unit/*.cpp)
set(_suites "")
foreach(_src ${_unit_sources})
  file(STRINGS ${_src} _lines REGEX "TEST_SUITE\\(\"[^\"]+\"\\)")
  foreach(_line ${_lines})
    string(REGEX MATCH "TEST_SUITE\\(\"([^\"]+)\"\\)" _m "${_line}")
    list(APPEND _suites ${CMAKE_MATCH_1})
  endforeach()
endforeach()
list(REMOVE_DUPLICATES _suites)
# Re-read the suite names whenever a test source changes.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_unit_sources})
foreach(_suite ${_suites})
  add_test(NAME unit.${_suite} COMMAND tapeop_unit --test-suite=${_suite} --no-version)
  set_tests_properties(unit.${_suite} PROPERTIES TIMEOUT 600)
endforeach()
