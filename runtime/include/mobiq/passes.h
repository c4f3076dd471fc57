// Graph passes run by the session compiler (docs/runtime.md says in which
// order and why). Each takes a valid graph and leaves a valid graph that
// computes the same function (up to floating-point reassociation).
#pragma once

#include "mobiq/graph.h"
#include "mobiq/status.h"

namespace mobiq {

// Conv -> BatchNormalization with the conv output read by nothing else:
// the BN's per-channel affine goes into the conv's weights and bias
// (w' = w * g / sqrt(v + eps), b' = (b - m) * g / sqrt(v + eps) + beta), and
// the BN node disappears. Returns how many were folded.
int fold_batch_norms(Graph *g);

// Relu / Clip whose input is produced by a Conv, Gemm, Add or
// BatchNormalization read by nothing else: the bounds become the producer's
// output clamp and the activation node disappears. Returns how many.
int fuse_activations(Graph *g);

// Removes nodes whose outputs nobody reads (graph outputs excepted) and
// constants nobody reads. Run after the passes above.
void remove_dead_nodes(Graph *g);

}  // namespace mobiq
