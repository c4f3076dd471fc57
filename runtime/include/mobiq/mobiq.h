/* mobiq: INT8 / FP32 CNN inference. The C API (C99).
 *
 * A model is an imported ONNX graph; a session is a model compiled for one
 * device with one set of options (precision, quantization scheme, conv
 * algorithm, ...), with its weights packed and its activation memory planned.
 * Run a session as often as wanted; separate sessions may run on separate
 * threads at the same time (one session is not for two threads at once).
 *
 * Every function returns a mobiq_status; on failure, mobiq_last_error()
 * gives a message (for the calling thread) saying what went wrong and what
 * to do. No function aborts or throws; null pointers are reported as
 * MOBIQ_INVALID_ARGUMENT.
 *
 *   mobiq_model *m; mobiq_session *s; mobiq_options o;
 *   if (mobiq_model_load("resnet50.onnx", &m) != MOBIQ_OK) puts(mobiq_last_error());
 *   mobiq_options_init(&o);
 *   mobiq_session_create(m, &o, &s);
 *   mobiq_session_run(s, input, 3 * 224 * 224, logits, 1000);
 *   mobiq_session_free(s); mobiq_model_free(m);
 */
#ifndef MOBIQ_MOBIQ_H
#define MOBIQ_MOBIQ_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mobiq_status {
    MOBIQ_OK = 0,
    MOBIQ_INVALID_ARGUMENT = 1, /* null pointer, bad option value, wrong buffer size */
    MOBIQ_IO_ERROR = 2,         /* a file cannot be read or written */
    MOBIQ_INVALID_MODEL = 3,    /* not ONNX, corrupt, truncated, inconsistent */
    MOBIQ_UNSUPPORTED = 4,      /* valid, but an op / attribute / option mobiq does not run */
    MOBIQ_DEVICE_ERROR = 5,     /* no OpenCL device, or it failed */
    MOBIQ_KERNEL_ERROR = 6,     /* a kernel reported an error */
    MOBIQ_INTERNAL_ERROR = 7
} mobiq_status;

typedef struct mobiq_model mobiq_model;
typedef struct mobiq_session mobiq_session;

typedef enum mobiq_device { MOBIQ_DEVICE_CPU = 0, MOBIQ_DEVICE_OPENCL = 1 } mobiq_device;
typedef enum mobiq_precision { MOBIQ_PRECISION_FP32 = 0, MOBIQ_PRECISION_INT8 = 1 } mobiq_precision;
typedef enum mobiq_activation_scheme {
    MOBIQ_ACTIVATIONS_ASYMMETRIC = 0, /* zero point chosen from the calibrated range */
    MOBIQ_ACTIVATIONS_SYMMETRIC = 1   /* zero point 0 */
} mobiq_activation_scheme;
typedef enum mobiq_weight_granularity {
    MOBIQ_WEIGHTS_PER_CHANNEL = 0,
    MOBIQ_WEIGHTS_PER_LAYER = 1
} mobiq_weight_granularity;
typedef enum mobiq_weight_scheme { MOBIQ_WEIGHTS_SYMMETRIC = 0, MOBIQ_WEIGHTS_ASYMMETRIC = 1 } mobiq_weight_scheme;
typedef enum mobiq_calibration {
    MOBIQ_CALIBRATION_MINMAX = 0,
    MOBIQ_CALIBRATION_PERCENTILE = 1,
    MOBIQ_CALIBRATION_ENTROPY = 2
} mobiq_calibration;
typedef enum mobiq_requantization {
    MOBIQ_REQUANTIZATION_GEMMLOWP = 0, /* fixed-point multiplier and shift, as TFLite / gemmlowp */
    MOBIQ_REQUANTIZATION_FP32 = 1      /* one float multiply and a round-half-to-even, as XNNPACK's fp32
                                          requantization; CPU, symmetric weights (docs/arithmetic.md) */
} mobiq_requantization;
typedef enum mobiq_conv_algorithm {
    MOBIQ_CONV_AUTO = 0,     /* per layer, a fixed default rule (docs/runtime.md, "Conv methods"), measured
                                once on one machine; a tuning file (mobiq tune) measures this one. FP32 on
                                the CPU: Winograd F(4x4 or 2x2, 3x3) on the 3x3 stride-1 layers with >= 32
                                output tiles (the output within the bound of docs/arithmetic.md) */
    MOBIQ_CONV_GEMM = 1,     /* im2col + GEMM (the paper's method) */
    MOBIQ_CONV_IMPLICIT = 2, /* implicit GEMM / direct: no im2col buffer */
    /* Winograd F(m x m, 3 x 3) on the 3x3 stride-1 convolutions (the others:
     * auto), CPU (docs/winograd.md): */
    MOBIQ_CONV_WINOGRAD_FP32 = 3,   /* FP32 sessions; m = winograd_tile (2 or 4) */
    MOBIQ_CONV_WINOGRAD_INT16 = 4,  /* INT8: int16 Winograd domain, exact (= the direct convolution) */
    MOBIQ_CONV_WINOGRAD_INT6W4 = 5, /* INT8: the paper's INT6 activations / INT4 weights on int8 dot
                                       products; exact on those operands, lossy against INT8 */
    MOBIQ_CONV_WINOGRAD_TAPWISE = 6, /* INT8: quantized in the Winograd domain, per tap (calibrated), F(2,3)
                                        or F(4,3): lossy, its own reference (docs/arithmetic.md) */
    MOBIQ_CONV_WINOGRAD_INT6W8 = 7,  /* INT8: INT6 activations, weights transformed in float then int8 per
                                        output channel, F(2,3): lossy, its own reference */
    MOBIQ_CONV_AUTO_NO_WINOGRAD = 8  /* auto without Winograd (auto runs FP32 Winograd on the CPU where it is
                                        faster: 3x3 stride-1 layers with >= 32 output tiles) */
} mobiq_conv_algorithm;

typedef struct mobiq_options {
    mobiq_device device;
    mobiq_precision precision;
    mobiq_activation_scheme activations;
    mobiq_weight_granularity weight_granularity;
    mobiq_weight_scheme weight_scheme;
    mobiq_calibration calibration;
    mobiq_conv_algorithm conv;
    int fold_batch_norm; /* 1: fold BN into the preceding conv; 0: run BN as its own layer */
    int threads;         /* CPU threads, 0: all cores or OMP_NUM_THREADS (process-wide: one OpenMP team per calling thread) */
    /* INT8: calibration inputs, `calibration_count` samples of the model's
     * input shape (NCHW float32) back to back. Required for INT8. */
    const float *calibration_data;
    size_t calibration_count;
    /* OpenCL: which schedules to run ("gpu", "mali_g52", "mali_g72",
     * "mali_g76"); NULL: "gpu". */
    const char *opencl_kernels;
    /* A tuning file written by `mobiq tune` (per-layer conv methods and kernel
     * variants measured on a device); NULL: none. Layers it does not name
     * follow `conv`. A malformed file, or an entry a layer cannot run, makes
     * mobiq_session_create fail with a message naming the file and layer. */
    const char *tuning_file;
    /* 1: a residual Add (+ ReLU) runs in the epilogue of the convolution
     * producing one of its inputs (the same arithmetic as the two ops); 0: as
     * its own layer. */
    int fuse_residual_add;
    /* 1: on x86 CPUs with Intel AMX-INT8 (and an OS that grants it), INT8
     * GEMMs of the shapes the AMX kernel takes run on AMX (the 2 x 2-tile
     * core where a GEMM has >= 32 rows, and the AMX implicit conv on stride-1
     * layers with a multiple of 64 input channels); 2: the same, on the one-tile kernel
     * only (for comparison); 3: as 1, but spatial layers as im2col + the AMX
     * GEMM, not the AMX implicit conv (for comparison); 0: AVX-512 VNNI.
     * Other values: invalid. */
    int use_amx;
    /* INT8: how accumulators become int8 (mobiq_requantization). */
    mobiq_requantization requantization;
    /* m of Winograd F(m x m, 3 x 3) for the MOBIQ_CONV_WINOGRAD_* methods: 2
     * (default) or 4 (winograd-fp32 and winograd-tapwise). */
    int winograd_tile;
    /* x86 CPUs with AVX-512 VNNI, INT8 GEMMs that AMX does not take, with
     * the weights as vpdpbusd's unsigned operand: 1: in a 4 x 4 register
     * block (layers with K % 64 == 0 on CPUs with the Zen 4 / Sapphire
     * Rapids feature set); 2: in a 7 x 3 block (the extern core); 0: off,
     * gemm_int8's 4 x 4 block with A as the unsigned operand; -1 (default):
     * the plan's choice per CPU, so far 0 on every CPU (decision 53 in
     * docs/decisions.md). Other values: invalid. */
    int u8_weights;
    /* INT8: bits of the weights of convolutions (group 1) and fully connected
     * layers: 8 (default), or 7: symmetric in [-63, 63], for x86 CPUs without
     * VNNI, where the GEMMs then multiply with pmaddubsw, exact for such weights
     * (twice the exact 8-bit rate; decision 55, docs/arithmetic.md "7-bit
     * weights"). Depthwise layers keep 8 bits. Needs symmetric weights. */
    int weight_bits;
    /* x86 with weight_bits 7: the pmaddubsw kernels: -1 (default) where the
     * CPU's INT8 kernels run without VNNI, 1 on any x86 CPU, 0 off (the
     * exact 8-bit kernels on the same weights, for comparison). */
    int weights7_kernels;
} mobiq_options;

/* Defaults: CPU, FP32, asymmetric activations, symmetric per-channel
 * weights, min-max calibration, auto conv, BN folded, all cores. */
void mobiq_options_init(mobiq_options *options);

/* The message of the last failed call on this thread ("" if none). */
const char *mobiq_last_error(void);
const char *mobiq_status_name(mobiq_status status);

/* --- models --- */
mobiq_status mobiq_model_load(const char *path, mobiq_model **model);
mobiq_status mobiq_model_load_from_memory(const void *data, size_t size, mobiq_model **model);
void mobiq_model_free(mobiq_model *model);

typedef struct mobiq_model_summary {
    int layers;          /* graph nodes */
    double macs;         /* multiply-accumulates of one inference */
    int64_t parameters;  /* weights, biases and BN statistics */
    int input_rank, output_rank;
    int64_t input_shape[8], output_shape[8];
} mobiq_model_summary;
mobiq_status mobiq_model_get_summary(const mobiq_model *model, mobiq_model_summary *summary);

typedef struct mobiq_layer_desc {
    const char *name; /* valid while the model lives */
    const char *op;
    int output_rank;
    int64_t output_shape[8];
    double macs;
    int64_t parameters;
} mobiq_layer_desc;
mobiq_status mobiq_model_get_layer(const mobiq_model *model, int index, mobiq_layer_desc *layer);

/* --- sessions --- */
mobiq_status mobiq_session_create(const mobiq_model *model, const mobiq_options *options, mobiq_session **session);
void mobiq_session_free(mobiq_session *session);

/* `input`: input_count floats (the model input, NCHW); `output`: room for
 * output_count floats. Counts must equal the shapes' element counts. */
mobiq_status mobiq_session_run(mobiq_session *session, const float *input, size_t input_count, float *output,
                               size_t output_count);

/* When enabled, each run times every layer (CPU: wall clock per kernel call). */
mobiq_status mobiq_session_set_profiling(mobiq_session *session, int enabled);

typedef struct mobiq_layer_profile {
    const char *name;    /* valid while the session lives */
    const char *op;      /* e.g. "Conv+Relu" after fusion */
    const char *variant; /* the kernel(s) it calls */
    const char *method;  /* convolutions: "gemm", "im2col_gemm" or "implicit"; "-" otherwise */
    const char *plan;    /* why: "auto: ...", "--conv gemm", "tuning file (...)" */
    double ms;           /* last profiled run */
    double macs;
    /* A layer run as a few kernels (Winograd: input transform, tap GEMMs,
     * output transform): their names and times in the last profiled run. */
    int stage_count;
    const char *stage_name[4];
    double stage_ms[4];
} mobiq_layer_profile;
mobiq_status mobiq_session_get_layer_count(const mobiq_session *session, int *count);
mobiq_status mobiq_session_get_layer_profile(const mobiq_session *session, int index, mobiq_layer_profile *profile);

/* Activation memory: the planned arena, and what the activations would take unshared. */
mobiq_status mobiq_session_get_memory(const mobiq_session *session, size_t *arena_bytes, size_t *unshared_bytes);

/* Runs once like mobiq_session_run, without writing an output, handing the
 * input and every layer's output to `observe` as it is computed: the tensor's
 * name, its `count` values (dequantized in INT8 sessions) in the session's
 * own element order, which is the same for the FP32 and the INT8 session of
 * one model with the same options (so the two compare element by element),
 * and `user`. The pointers are valid during the call only. CPU sessions only
 * (MOBIQ_UNSUPPORTED otherwise). For analysis (mobiq eval --layer-sqnr): it
 * copies every activation. */
typedef void (*mobiq_observer)(const char *tensor, const float *values, size_t count, void *user);
mobiq_status mobiq_session_run_observed(mobiq_session *session, const float *input, size_t input_count,
                                        mobiq_observer observe, void *user);

/* --- tuning --- */
/* Measures every conv method and kernel variant per layer of `model` with
 * `options` on this machine (options.tuning_file is ignored) and writes the
 * fastest per-layer plan to `out_path`, never slower as a whole than the auto,
 * gemm and implicit plans measured in the same run. `runs` timed runs per
 * candidate over `rounds` interleaved rounds; `progress`: a progress bar on
 * stderr. `report` (may be NULL): a table of the plans measured, to be freed
 * with mobiq_string_free. */
mobiq_status mobiq_tune(const mobiq_model *model, const mobiq_options *options, const char *out_path, int runs,
                        int rounds, int progress, char **report);
void mobiq_string_free(char *s);
/* This machine's CPU model (/proc/cpuinfo), as tuning files record it. */
const char *mobiq_cpu_model_name(void);

#ifdef __cplusplus
}
#endif

#endif /* MOBIQ_MOBIQ_H */
