# Finds Halide 21. Default: the wheel inside the project's .venv (tools/setup.sh);
# -DHalide_DIR=... or CMAKE_PREFIX_PATH point elsewhere (e.g. a Halide build).
# A cross build needs only HalideHelpers (the generators come from a host build).
set(_mobiq_venv_python "${CMAKE_CURRENT_SOURCE_DIR}/.venv/bin/python")
if (EXISTS "${_mobiq_venv_python}" AND NOT Halide_DIR AND NOT HalideHelpers_DIR)
  execute_process(
    COMMAND "${_mobiq_venv_python}" -c "import halide, os; print(os.path.dirname(halide.__file__))"
    OUTPUT_VARIABLE _mobiq_halide_root OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _rc)
  if (_rc EQUAL 0)
    list(APPEND CMAKE_PREFIX_PATH "${_mobiq_halide_root}")
    # Toolchain files may restrict find_package to a sysroot; the venv is a host path.
    set(Halide_DIR "${_mobiq_halide_root}/lib64/cmake/Halide" CACHE PATH "")
    set(HalideHelpers_DIR "${_mobiq_halide_root}/lib64/cmake/HalideHelpers" CACHE PATH "")
  endif ()
endif ()

if (CMAKE_CROSSCOMPILING)
  find_package(HalideHelpers 21 REQUIRED)
else ()
  find_package(Halide 21 REQUIRED)
endif ()
