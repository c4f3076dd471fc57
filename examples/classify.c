/* A C99 program using mobiq's C API: loads an ONNX classifier, runs it on a
 * synthetic image and prints the top-5 classes and the per-layer profile's
 * total. Usage: classify MODEL.onnx [fp32|int8]. Built in CI with
 * -std=c99 -Wall -Werror (examples/CMakeLists.txt). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mobiq/mobiq.h"

static int report(mobiq_status s, const char *what) {
    if (s == MOBIQ_OK) return 0;
    fprintf(stderr, "classify: %s failed (%s): %s\n", what, mobiq_status_name(s), mobiq_last_error());
    return 1;
}

int main(int argc, char **argv) {
    mobiq_model *model = NULL;
    mobiq_session *session = NULL;
    mobiq_model_summary summary;
    mobiq_options options;
    float *input = NULL, *output = NULL;
    size_t in_count = 1, out_count = 1, i;
    int k, layers = 0, status = 1;
    double total_ms = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: classify MODEL.onnx [fp32|int8]\n");
        return 2;
    }
    if (report(mobiq_model_load(argv[1], &model), "loading the model")) goto done;
    if (report(mobiq_model_get_summary(model, &summary), "reading the model")) goto done;
    for (k = 0; k < summary.input_rank; k++) in_count *= (size_t)summary.input_shape[k];
    for (k = 0; k < summary.output_rank; k++) out_count *= (size_t)summary.output_shape[k];
    input = malloc(in_count * sizeof(float));
    output = malloc(out_count * sizeof(float));
    if (!input || !output) goto done;
    for (i = 0; i < in_count; i++) input[i] = (float)((i * 2654435761u) % 1000) / 500.0f - 1.0f;

    mobiq_options_init(&options);
    if (argc > 2 && strcmp(argv[2], "int8") == 0) {
        options.precision = MOBIQ_PRECISION_INT8;
        options.calibration_data = input; /* a real application calibrates on real samples */
        options.calibration_count = 1;
    }
    if (report(mobiq_session_create(model, &options, &session), "compiling the session")) goto done;
    if (report(mobiq_session_set_profiling(session, 1), "enabling profiling")) goto done;
    if (report(mobiq_session_run(session, input, in_count, output, out_count), "running")) goto done;

    printf("%s: %.3f GMACs; top-5:", argv[1], summary.macs / 1e9);
    for (k = 0; k < 5 && (size_t)k < out_count; k++) {
        size_t best = 0;
        for (i = 1; i < out_count; i++)
            if (output[i] > output[best]) best = i;
        printf(" %lu (%.3f)", (unsigned long)best, output[best]);
        output[best] = -1e30f;
    }
    printf("\n");
    if (report(mobiq_session_get_layer_count(session, &layers), "reading the profile")) goto done;
    for (k = 0; k < layers; k++) {
        mobiq_layer_profile p;
        if (report(mobiq_session_get_layer_profile(session, k, &p), "reading the profile")) goto done;
        total_ms += p.ms;
    }
    printf("%d layers, %.2f ms in kernels\n", layers, total_ms);
    status = 0;
done:
    free(input);
    free(output);
    mobiq_session_free(session);
    mobiq_model_free(model);
    return status;
}
