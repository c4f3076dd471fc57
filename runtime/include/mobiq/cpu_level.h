// Which of the x86 kernel libraries' targets run. Every x86 kernel is one
// multi-target library (AVX-512 VNNI, AVX2 + FMA, SSE4.1; cmake/MobiqKernel.cmake)
// that runs the best target the CPU supports. Capping the level makes a
// capable CPU run the AVX2 or SSE4.1 code, to test that it gives the same
// bits and to time it. No effect on arm64 / OpenCL kernels.
//
// Process-wide, and fixed once a kernel has run: Halide's multi-target
// wrapper chooses its target on its first call and keeps it.
#pragma once

namespace mobiq {

enum class CpuLevel { kBest, kAvx2, kSse41 };

// Sets the cap. False (nothing changed) when a kernel already ran under a
// different cap in this process.
bool set_cpu_level_cap(CpuLevel level);

CpuLevel cpu_level_cap();

// "best", "avx2", "sse41".
const char *cpu_level_name(CpuLevel level);

// Intel AMX-INT8 can run here: the CPU has amx_int8 / amx_tile and Linux
// granted this process the tile data state (arch_prctl(ARCH_REQ_XCOMP_PERM),
// asked once). False on other CPUs and OSes: the AMX kernels are then never called.
bool amx_usable();

// The AVX-512 (F, CD, BW, DQ, VL) rows can run here: the CPU has them and no
// cap is set. The avx512_core kernels (one AVX-512 target each, not multi-target)
// are called only then.
bool avx512_usable();

// avx512_usable() and the CPU has AVX-512 VNNI (vpdpbusd): the u8_weights
// GEMM rows (one AVX-512 target with an extern VNNI core) are called only then.
bool avx512_vnni_usable();
// Whether the CPU has every feature of Halide's avx512_zen4 target (the
// x86 multi-target libraries' first target; one-target rows built for it,
// e.g. gemm_int8 u8w_halide, run only here): VNNI, BF16, VBMI / VBMI2,
// BITALG, VPOPCNTDQ, IFMA, GFNI, VPCLMULQDQ. Zen 4 / 5, Sapphire Rapids and later.
bool avx512_zen4_set_usable();

// Bytes of one core's L2 cache as the OS reports it (sysconf), or 1 MiB where
// it does not say.
long cpu_l2_bytes();
// The same for one core's L1 data cache, or 32 KiB where the OS does not say.
long cpu_l1_bytes();

// Routes Halide's target-feature queries through the cap (idempotent; the
// kernel table calls it before handing out any kernel).
void install_cpu_level_hook();

}  // namespace mobiq
