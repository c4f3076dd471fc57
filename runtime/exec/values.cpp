// The activations and their views on the CPU (the arena); OpenCL's side is
// runtime/exec/opencl_values.cpp.
#include "values.h"

#include <algorithm>

#include "mobiq/memory_plan.h"

namespace mobiq {

int Values::add(int tensor, const std::vector<int64_t> &shape, int elem) {
    Value v;
    v.tensor = tensor;
    v.elem = elem;
    if (shape.size() == 4) {
        v.image = true;
        v.n = static_cast<int>(shape[0]);
        v.c = static_cast<int>(shape[1]);
        v.h = static_cast<int>(shape[2]);
        v.w = static_cast<int>(shape[3]);
    } else {
        v.n = static_cast<int>(shape[0]);
        int64_t k = 1;
        for (size_t i = 1; i < shape.size(); i++) k *= shape[i];
        v.c = static_cast<int>(k);
    }
    v.c_alloc = elem == 1 ? (v.c + 3) / 4 * 4 : v.c;
    v_.push_back(v);
    const int id = static_cast<int>(v_.size()) - 1;
    if (tensor >= 0) of_[tensor] = id;
    return id;
}

template <typename T>
Values::Buffer<T> Values::host_view(Value &v, size_t offset, int rank, halide_dimension_t *d) {
    Value &m = storage_of(v);
    uint8_t *base = opencl_ ? m.storage.data() : arena_ + m.offset;
    return Buffer<T>(reinterpret_cast<T *>(base) + offset, rank, d);
}

template <typename T>
Values::Buffer<T> Values::view(Value &v, size_t offset, int rank, halide_dimension_t *d) {
    if (!opencl_) return host_view<T>(v, offset, rank, d);
    return device_view<T>(v, offset, rank, d);
}

template <typename T>
void Values::fill_border(Value &v, T fill) {
    if (v.border == 0 || opencl_) return;
    // Contiguous spans (NHWC): the top and bottom rows whole, then the left and
    // right border of each row in between. Buffer::fill went element by element
    // through a 4-D crop: ~0.07 ms of MobileNet-v1 FP32's 4.3, serial.
    T *image = full<T>(v).data();
    const size_t pixel = v.c_alloc, row = pixel * v.full_w(), edge = pixel * v.border;
    const size_t rows = size_t(v.border) * row;
    for (int img = 0; img < v.n; img++, image += row * v.full_h()) {
        std::fill_n(image, rows, fill);
        std::fill_n(image + row * (v.full_h() - v.border), rows, fill);
        for (int r = v.border; r < v.border + v.h; r++) {
            std::fill_n(image + r * row, edge, fill);
            std::fill_n(image + r * row + row - edge, edge, fill);
        }
    }
}

template Values::Buffer<float> Values::view<float>(Value &, size_t, int, halide_dimension_t *);
template Values::Buffer<int8_t> Values::view<int8_t>(Value &, size_t, int, halide_dimension_t *);
template Values::Buffer<int16_t> Values::view<int16_t>(Value &, size_t, int, halide_dimension_t *);
template Values::Buffer<int32_t> Values::view<int32_t>(Value &, size_t, int, halide_dimension_t *);
template Values::Buffer<float> Values::host_view<float>(Value &, size_t, int, halide_dimension_t *);
template Values::Buffer<int8_t> Values::host_view<int8_t>(Value &, size_t, int, halide_dimension_t *);
template Values::Buffer<int16_t> Values::host_view<int16_t>(Value &, size_t, int, halide_dimension_t *);
template Values::Buffer<int32_t> Values::host_view<int32_t>(Value &, size_t, int, halide_dimension_t *);
template void Values::fill_border<float>(Value &, float);
template void Values::fill_border<int8_t>(Value &, int8_t);

Status Values::allocate(size_t alignment, int8_t (*shadow_fill)(const Value &, const void *), const void *ctx) {
    std::vector<Lifetime> life;
    std::vector<int> placed;
    for (size_t i = 0; i < v_.size(); i++) {
        Value &v = v_[i];
        if (v.alias_of >= 0 || v.first < 0) continue;
        life.push_back({v.bytes(), v.first, v.last});
        placed.push_back(static_cast<int>(i));
    }
    const MemoryPlan plan = plan_memory(life, alignment);
    unshared_bytes_ = plan.unshared_bytes;
    if (opencl_) return allocate_device(shadow_fill, ctx);
    arena_storage_.assign(plan.arena_bytes + alignment, 0);
    arena_ = reinterpret_cast<uint8_t *>((reinterpret_cast<uintptr_t>(arena_storage_.data()) + alignment - 1) /
                                         alignment * alignment);
    for (size_t j = 0; j < placed.size(); j++) v_[placed[j]].offset = plan.offsets[j];
    arena_bytes_ = plan.arena_bytes;
    return Status::ok();
}

}  // namespace mobiq
