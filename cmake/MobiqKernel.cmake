# mobiq_add_kernel(<name> GENERATOR <g> SCHEDULE <family> CONTRACT exact|fp32|lossy
#                  [OP <op>] [PARAMS k=v ...] [TARGETS t ...] [FAMILY_PARAMS] [INSPECT])
#
# One generator + one schedule family -> one static library <name> exposing the
# C function <name>(). The Halide targets come from the family
# (mobiq_family_targets); all kernels of a build share one Halide runtime.
# Each kernel is also a row of the runtime's kernel registry (op = OP, by
# default the generator; a parameter that changes the C signature, such as
# residual_add, makes another op,
# family, variant = PARAMS, its numeric CONTRACT; generators/CMakeLists.txt
# writes the rows, runtime/include/mobiq/kernel_registry.h reads them):
#   exact  bit-exact against the scalar reference;
#   fp32   within the float tolerance docs/arithmetic.md states for the op;
#   lossy  a different result by design (its bound in docs/arithmetic.md):
#          never chosen unless an option allows it.
# INSPECT (or -DMOBIQ_INSPECT=ON) also writes <name>.stmt and <name>.s next to
# the library, for reading what the schedule produced.
# AUTOSCHEDULE <v> (docs/autoschedule.md): the schedule an autoscheduler made
# (schedules/auto/, registered as "auto/<generator>/<v>") instead of the
# family's; the row is a variant of the family with autoschedule=<v>.
# TARGETS: a variant for one CPU class of the family (its own Halide
# targets); it drops the family's params (mobiq_family_params) unless
# FAMILY_PARAMS says the variant keeps them.
# ESTIMATES: the generator's estimate_* params of the layer it was made for
# (not in the variant; schedules/auto/apply.h keeps the schedule for shapes at
# least that large). PLUGIN <name>: libautoschedule_<name>.so of the Halide
# package, loaded by the generator, where the autoscheduler runs in the build.

# Halide target strings of a schedule family for MOBIQ_HALIDE_OS.
function(mobiq_family_targets family out_var)
  set(os "${MOBIQ_HALIDE_OS}")
  if (family STREQUAL "x86")
    # Multi-target: AVX-512 with VNNI (Zen 4 / Sapphire Rapids feature set),
    # AVX2, then SSE4.1; chosen at run time by the CPU's features.
    set(t "x86-64-${os}-avx-avx2-avx512-avx512_skylake-avx512_cannonlake-avx512_zen4-f16c-fma-sse41"
          "x86-64-${os}-avx-avx2-f16c-fma-sse41"
          "x86-64-${os}-sse41")
  elseif (family STREQUAL "arm64")
    set(t "arm-64-${os}-arm_dot_prod")
  elseif (family STREQUAL "gpu" OR family MATCHES "^mali_")
    if (CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$" OR os STREQUAL "android")
      set(t "arm-64-${os}-opencl")
    else ()
      set(t "x86-64-${os}-opencl")
    endif ()
  else ()
    message(FATAL_ERROR "mobiq: unknown schedule family '${family}'")
  endif ()
  set(${out_var} "${t}" PARENT_SCOPE)
endfunction()

# Generator params a family needs in its algorithm (not its schedule).
function(mobiq_family_params family generator out_var)
  set(p "")
  if (generator MATCHES "^(gemm_int8|conv2d_int8_implicit)$" AND family STREQUAL "x86")
    list(APPEND p unsigned_lhs=true)  # vpdpbusd is u8 x s8
  endif ()
  set(${out_var} "${p}" PARENT_SCOPE)
endfunction()

function(mobiq_add_kernel NAME)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "INSPECT;FAMILY_PARAMS" "GENERATOR;SCHEDULE;CONTRACT;OP;AUTOSCHEDULE;PLUGIN"
                        "PARAMS;TARGETS;ESTIMATES")
  if (NOT ARG_OP)
    set(ARG_OP ${ARG_GENERATOR})
  endif ()
  if (NOT ARG_CONTRACT MATCHES "^(exact|fp32|lossy)$")
    message(FATAL_ERROR "mobiq_add_kernel(${NAME}): CONTRACT must be exact, fp32 or lossy (got '${ARG_CONTRACT}')")
  endif ()
  mobiq_family_targets("${ARG_SCHEDULE}" targets)
  mobiq_family_params("${ARG_SCHEDULE}" "${ARG_GENERATOR}" family_params)
  if (ARG_TARGETS)  # a variant for one CPU class of the family (e.g. AMX): its own targets
    set(targets ${ARG_TARGETS})
    if (NOT ARG_FAMILY_PARAMS)
      set(family_params "")
    endif ()
  endif ()
  set(schedule_params schedule=${ARG_SCHEDULE})
  set(variant ${ARG_PARAMS})
  set(plugins "")
  if (ARG_AUTOSCHEDULE)
    list(APPEND variant autoschedule=${ARG_AUTOSCHEDULE})
    set(schedule_params schedule=auto/${ARG_GENERATOR}/${ARG_AUTOSCHEDULE} ${ARG_ESTIMATES})
    if (ARG_PLUGIN)
      set(plugins mobiq_autoschedule_${ARG_PLUGIN})
      if (NOT TARGET ${plugins})
        get_target_property(_halide_lib Halide::Halide IMPORTED_LOCATION_RELEASE)
        get_filename_component(_halide_lib_dir "${_halide_lib}" DIRECTORY)
        add_library(${plugins} MODULE IMPORTED GLOBAL)
        set_target_properties(${plugins} PROPERTIES
                              IMPORTED_LOCATION "${_halide_lib_dir}/libautoschedule_${ARG_PLUGIN}.so")
      endif ()
      set(plugins PLUGINS ${plugins})
    endif ()
  endif ()
  set(extra "")
  if (ARG_INSPECT OR MOBIQ_INSPECT)
    list(LENGTH targets n_targets)
    if (n_targets EQUAL 1)
      list(APPEND extra STMT "${NAME}_stmt" ASSEMBLY "${NAME}_asm")
    else ()
      # Multi-target libraries emit no single stmt; inspect the first (best) target.
      list(GET targets 0 first)
      add_halide_library(${NAME}_inspect FROM mobiq::halide_generators::mobiq_generators
                         GENERATOR ${ARG_GENERATOR} FUNCTION_NAME ${NAME}_inspect TARGETS ${first}
                         PARAMS ${schedule_params} ${family_params} ${ARG_PARAMS} ${plugins}
                         USE_RUNTIME mobiq_halide_runtime
                         STMT "${NAME}_stmt" ASSEMBLY "${NAME}_asm")
      add_dependencies(mobiq_inspect ${NAME}_inspect)
    endif ()
  endif ()
  add_halide_library(${NAME} FROM mobiq::halide_generators::mobiq_generators
                     GENERATOR ${ARG_GENERATOR}
                     TARGETS ${targets}
                     PARAMS ${schedule_params} ${family_params} ${ARG_PARAMS} ${plugins}
                     USE_RUNTIME mobiq_halide_runtime
                     ${extra})
  set_property(GLOBAL APPEND PROPERTY MOBIQ_KERNELS ${NAME})
  # The registry row: name|op|family|variant params (sorted, comma-separated)|contract.
  list(SORT variant)
  list(JOIN variant "," variant)
  set_property(GLOBAL APPEND PROPERTY MOBIQ_KERNEL_ROWS "${NAME}|${ARG_OP}|${ARG_SCHEDULE}|${variant}|${ARG_CONTRACT}")
  if (extra)
    add_dependencies(mobiq_inspect ${NAME})
  endif ()
endfunction()
