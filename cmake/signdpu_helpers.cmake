# signdpu_add_library(NAME SOURCES ... DEPS ...): one module = one target
# signdpu::NAME, exported and installed.
function(signdpu_add_library name)
  cmake_parse_arguments(A "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(signdpu_${name} ${A_SOURCES})
  add_library(signdpu::${name} ALIAS signdpu_${name})
  set_target_properties(signdpu_${name} PROPERTIES OUTPUT_NAME signdpu_${name} EXPORT_NAME ${name})
  target_include_directories(signdpu_${name} PUBLIC
    $<BUILD_INTERFACE:${SIGNDPU_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(signdpu_${name} PUBLIC ${A_DEPS} PRIVATE ${A_PRIVATE_DEPS})
  install(TARGETS signdpu_${name} EXPORT signdpuTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
endfunction()

# signdpu_add_test(NAME SOURCES ... DEPS ... LABELS ...)
function(signdpu_add_test name)
  cmake_parse_arguments(A "" "TIMEOUT" "SOURCES;DEPS;LABELS;ENV" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_link_libraries(${name} PRIVATE ${A_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  # Modules loaded with dlopen (emulator plugin, media module) are found
  # through DT_RPATH (not DT_RUNPATH) like in the programs.
  set_target_properties(${name} PROPERTIES BUILD_RPATH "${CMAKE_BINARY_DIR}/lib")
  target_link_options(${name} PRIVATE "-Wl,--disable-new-dtags")
  target_compile_definitions(${name} PRIVATE
    SIGNDPU_SOURCE_DIR="${SIGNDPU_SOURCE_DIR}"
    SIGNDPU_BINARY_DIR="${CMAKE_BINARY_DIR}")
  add_test(NAME ${name} COMMAND ${name})
  if(NOT A_LABELS)
    set(A_LABELS unit)
  endif()
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES LABELS "${A_LABELS}" TIMEOUT ${A_TIMEOUT})
  if(A_ENV)
    set_tests_properties(${name} PROPERTIES ENVIRONMENT "${A_ENV}")
  endif()
endfunction()
