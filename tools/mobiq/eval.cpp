// `mobiq eval`: top-1 / top-5 of a model on labelled images (a folder +
// labels.tsv, or IDX files), optionally against the FP32 session of the same
// model (agreement, output SQNR) and per layer (--layer-sqnr); `mobiq
// preprocess`: the same preprocessing written as one .npy batch (for `mobiq
// run`, calibration files, or checking it against torchvision).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>

#include "cli.h"
#include "mobiq/npy.h"

namespace mobiq_cli {
namespace {

using mobiq_tools::Dataset;
using mobiq_tools::Preprocess;

// The preprocessing of the flags over the defaults of the data.
Preprocess make_preprocess(const EvalFlags &f, bool idx) {
    Preprocess p = idx ? Preprocess::idx_defaults() : Preprocess();
    if (f.resize >= 0) p.resize = f.resize;
    if (f.crop >= 0) p.crop_h = p.crop_w = f.crop;
    if (!f.mean.empty()) p.mean = f.mean;
    if (!f.stddev.empty()) p.stddev = f.stddev;
    for (float s : p.stddev)
        if (!(s > 0)) fail("--std values must be > 0", 2);
    p.bgr = f.channels == "bgr";
    p.nhwc = f.layout == "nhwc";
    return p;
}

// The model's input as (C, H, W) in the layout asked for; eval runs one image at a time.
void input_chw(const mobiq_model_summary &s, const Preprocess &p, int *c, int *h, int *w) {
    if (s.input_rank != 4)
        fail("the model's input is " + shape_str(s.input_shape, s.input_rank) + ", eval needs an image input (N, C, H, W)");
    if (s.input_shape[0] != 1)
        fail("the model's input is " + shape_str(s.input_shape, s.input_rank) + ": eval runs batch 1 models");
    *c = static_cast<int>(p.nhwc ? s.input_shape[3] : s.input_shape[1]);
    *h = static_cast<int>(p.nhwc ? s.input_shape[1] : s.input_shape[2]);
    *w = static_cast<int>(p.nhwc ? s.input_shape[2] : s.input_shape[3]);
}

void check_channels(const EvalFlags &f, int c) {
    if (f.channels == "gray" && c != 1)
        fail("--channels gray, but the model's input has " + std::to_string(c) + " channels", 2);
    if (f.channels != "gray" && c != 3 && c != 1)
        fail("the model's input has " + std::to_string(c) + " channels: eval feeds images of 1 or 3");
}

// Indices of the k largest values, largest first (ties: lower index first).
std::vector<int> top_k(const std::vector<float> &v, int k) {
    std::vector<int> idx(v.size());
    std::iota(idx.begin(), idx.end(), 0);
    k = std::min<int>(k, static_cast<int>(v.size()));
    std::partial_sort(idx.begin(), idx.begin() + k, idx.end(),
                      [&](int a, int b) { return v[a] > v[b] || (v[a] == v[b] && a < b); });
    idx.resize(k);
    return idx;
}

// Signal and noise energies of a quantized signal against its reference.
struct Sqnr {
    double signal = 0, noise = 0;
    void add(const float *ref, const float *q, size_t n) {
        for (size_t i = 0; i < n; i++) {
            signal += double(ref[i]) * ref[i];
            noise += (double(ref[i]) - q[i]) * (double(ref[i]) - q[i]);
        }
    }
    bool exact() const { return noise == 0; }
    double db() const { return 10 * std::log10(signal / noise); }
    std::string str() const {
        char b[32];
        std::snprintf(b, sizeof b, "%.2f dB", db());
        return exact() ? "inf (exact)" : b;
    }
    nlohmann::json json() const { return exact() ? nlohmann::json(nullptr) : nlohmann::json(db()); }
};

// A bar on a terminal; otherwise a plain line every tenth of the way.
class Progress {
public:
    Progress(size_t total, bool enabled) : total_(total), tty_(enabled && isatty(STDERR_FILENO)), quiet_(!enabled) {}
    void update(size_t done, size_t correct) {
        if (quiet_) return;
        const double pct = 100.0 * correct / std::max<size_t>(done, 1);
        if (tty_) {
            const int width = 30, filled = static_cast<int>(width * done / std::max<size_t>(total_, 1));
            std::fprintf(stderr, "\rmobiq: eval [%s%s] %zu/%zu  top-1 %.2f %%", std::string(filled, '#').c_str(),
                         std::string(width - filled, '.').c_str(), done, total_, pct);
            if (done == total_) std::fprintf(stderr, "\n");
        } else if (done == total_ || done * 10 / total_ != (done - 1) * 10 / total_) {
            std::fprintf(stderr, "mobiq: eval %zu/%zu images, top-1 so far %.2f %%\n", done, total_, pct);
        }
    }

private:
    size_t total_;
    bool tty_, quiet_;
};

struct Observed {
    std::vector<std::string> order;
    std::map<std::string, std::vector<float>> values;
};

void observe_into(const char *tensor, const float *v, size_t n, void *user) {
    auto *o = static_cast<Observed *>(user);
    auto it = o->values.find(tensor);
    if (it == o->values.end()) {
        o->order.push_back(tensor);
        it = o->values.emplace(tensor, std::vector<float>()).first;
    }
    it->second.assign(v, v + n);
}

// Each layer's output SQNR (INT8 session vs its FP32 twin) over the calibration samples.
nlohmann::json layer_sqnr(Loaded &int8, Loaded &fp32, const std::vector<float> &samples, size_t count, bool progress) {
    const size_t per = samples.size() / count;
    const bool tty = progress && isatty(STDERR_FILENO);
    std::vector<std::string> order;
    std::map<std::string, Sqnr> acc;
    for (size_t s = 0; s < count; s++) {
        Observed ref, q;
        check(mobiq_session_run_observed(fp32.session, samples.data() + s * per, per, observe_into, &ref));
        check(mobiq_session_run_observed(int8.session, samples.data() + s * per, per, observe_into, &q));
        if (s == 0) order = q.order;
        for (const auto &t : q.order) {
            const auto r = ref.values.find(t);
            if (r == ref.values.end() || r->second.size() != q.values[t].size()) continue;  // fused away in one
            acc[t].add(r->second.data(), q.values[t].data(), r->second.size());
        }
        if (tty) std::fprintf(stderr, "\rmobiq: layer SQNR, sample %zu/%zu", s + 1, count);
    }
    std::fprintf(stderr, tty ? "\n" : "mobiq: layer SQNR over %zu sample(s) done\n", count);
    nlohmann::json layers = nlohmann::json::array();
    std::printf("per-layer output SQNR, INT8 vs FP32, over %zu calibration sample(s):\n", count);
    std::printf("%4s  %-64s %12s\n", "#", "tensor", "SQNR");
    int k = 0;
    std::string worst;
    for (const auto &t : order) {
        if (!acc.count(t)) continue;
        const Sqnr &a = acc[t];
        std::printf("%4d  %-64s %12s\n", k++, t.c_str(), a.str().c_str());
        layers.push_back({{"tensor", t}, {"sqnr_db", a.json()}});
        if (!a.exact() && (worst.empty() || a.db() < acc[worst].db())) worst = t;
    }
    if (!worst.empty()) std::printf("lowest: %s (%s)\n", worst.c_str(), acc[worst].str().c_str());
    return layers;
}

double pct(size_t a, size_t b) { return b ? 100.0 * a / b : 0.0; }

}  // namespace

void add_preprocess_flags(CLI::App *app, EvalFlags *f) {
    app->add_option("--resize", f->resize, "resize the shorter side to N pixels (0: no resize; default 256, IDX: 0)")
        ->check(at_least(0));
    app->add_option("--crop", f->crop, "centre crop N x N (0: none; default 224, IDX: 0)")->check(at_least(0));
    app->add_option("--mean", f->mean, "per-channel mean of pixel/255 (default 0.485 0.456 0.406; IDX: 0)")
        ->delimiter(',')
        ->expected(1, 4);
    app->add_option("--std", f->stddev, "per-channel std of pixel/255 (default 0.229 0.224 0.225; IDX: 1)")
        ->delimiter(',')
        ->expected(1, 4);
    app->add_option("--channels", f->channels, "rgb, bgr or gray (default: rgb, gray for 1-channel models)")
        ->check(CLI::IsMember({"rgb", "bgr", "gray"}));
    app->add_option("--layout", f->layout, "tensor layout: nchw (ONNX's) or nhwc")->check(CLI::IsMember({"nchw", "nhwc"}));
}

void add_eval_flags(CLI::App *app, EvalFlags *f) {
    f->session.add_to(app);
    app->add_option("--images", f->images, "a folder of images, or an IDX image file (Fashion-MNIST, gzip or not)")
        ->required();
    app->add_option("--labels", f->labels, "file<TAB>class_index lines (a folder), or an IDX label file")->required();
    app->add_option("--limit", f->limit, "evaluate N images only (0: all)")->check(at_least(0));
    app->add_option("--skip", f->skip, "skip the first N images (in file-name order) first")->check(at_least(0));
    app->add_option("--json", f->json, "write the results as JSON");
    app->add_flag("--compare-fp32", f->compare_fp32,
                  "also run mobiq FP32 without Winograd (--conv auto-no-winograd): top-1 agreement and output "
                  "SQNR (INT8, or FP32 with another --conv)");
    app->add_flag("--layer-sqnr", f->layer_sqnr, "INT8: each layer's output SQNR vs FP32 on the calibration samples");
    app->add_flag("--no-progress", f->no_progress, "no progress output on stderr");
    add_preprocess_flags(app, f);
}

void cmd_eval(EvalFlags &f) {
    SessionFlags &sf = f.session;
    const bool int8 = sf.precision == "int8";
    if (f.compare_fp32 && !int8 && sf.conv == "auto-no-winograd" && sf.tuning.empty())
        fail("--compare-fp32 compares with FP32 without Winograd (--conv auto-no-winograd): add --precision int8 or "
             "another --conv", 2);
    if (f.layer_sqnr && !int8) fail("--layer-sqnr measures INT8 layers: add --precision int8", 2);
    if (f.layer_sqnr && sf.device != "cpu") fail("--layer-sqnr runs on --device cpu only", 2);
    const Dataset d = Dataset::open(f.images, f.labels);
    if (static_cast<size_t>(f.skip) >= d.size())
        fail("--skip " + std::to_string(f.skip) + ": the data holds " + std::to_string(d.size()) + " images", 2);
    const size_t first = f.skip;
    const size_t n = f.limit > 0 ? std::min<size_t>(f.limit, d.size() - first) : d.size() - first;

    Loaded l;
    check(mobiq_model_load(sf.model.c_str(), &l.model));
    check(mobiq_model_get_summary(l.model, &l.summary));
    EvalFlags g = f;
    if (g.channels == "rgb" && l.summary.input_rank == 4 &&
        (g.layout == "nhwc" ? l.summary.input_shape[3] : l.summary.input_shape[1]) == 1)
        g.channels = "gray";  // the default for 1-channel models
    const Preprocess p = make_preprocess(g, d.idx());
    int c = 0, h = 0, w = 0;
    input_chw(l.summary, p, &c, &h, &w);
    check_channels(g, c);
    const int64_t classes = elements(l.summary.output_shape, l.summary.output_rank);
    if (d.max_label() >= classes)
        fail("--labels " + f.labels + " has class index " + std::to_string(d.max_label()) + ", the model has " +
             std::to_string(classes) + " outputs");
    // Fail on a wrong image size before compiling (and calibrating) anything.
    mobiq_tools::to_tensor(d.load(first, c), p, d.name(first), c, h, w);

    sf.preprocess = &p;
    mobiq_options o;
    fill_options(sf, &l, &o);
    check(mobiq_session_create(l.model, &o, &l.session));
    Loaded ref;  // the FP32 twin
    if (f.compare_fp32 || f.layer_sqnr) {
        // The reference is FP32 by the default rule without Winograd (decision 41: auto runs FP32
        // Winograd), the arithmetic closest to the exact convolution; the session's conv method (e.g. an
        // INT8 Winograd variant) and tuning file belong to the session under test, not to its reference.
        SessionFlags rf = sf;
        rf.precision = "fp32";
        rf.conv = "auto-no-winograd";
        rf.winograd_tile = 2;
        rf.tuning.clear();
        load(rf, &ref);
    }
    nlohmann::json j;
    j["model"] = sf.model;
    j["images_source"] = f.images;
    j["labels"] = f.labels;
    j["device"] = sf.device;
    j["precision"] = sf.precision;
    if (int8) {
        j["scheme"] = sf.scheme;
        j["weights"] = sf.weights;
        j["weight_scheme"] = sf.weight_scheme;
        j["weight_bits"] = sf.weight_bits;
        j["calibration"] = sf.calibration;
        j["calib_data"] = sf.calib_data;
        j["calib_samples"] = l.calibration.size() / (size_t(c) * h * w);
    }
    j["conv"] = sf.conv;
    if (!sf.tuning.empty()) j["tuning"] = sf.tuning;
    j["bn_fold"] = !sf.no_bn_fold;
    j["fuse_add"] = !sf.no_fuse_add;
    j["amx"] = !sf.no_amx;
    if (sf.precision == "int8") j["requantization"] = sf.requantization;
    j["threads"] = sf.threads;
    j["preprocess"] = p.describe();
    j["skip"] = f.skip;
    j["cpu"] = mobiq_cpu_model_name();
    if (f.layer_sqnr) j["layers"] = layer_sqnr(l, ref, l.calibration, l.calibration.size() / (size_t(c) * h * w), !f.no_progress);

    std::vector<float> out(classes), out_ref(classes);
    size_t top1 = 0, top5 = 0, ref_top1 = 0, ref_top5 = 0, agree = 0;
    Sqnr sqnr;
    Progress progress(n, !f.no_progress);
    nlohmann::json predictions = nlohmann::json::array();
    const auto t0 = std::chrono::steady_clock::now();
    for (size_t i = first; i < first + n; i++) {
        const std::vector<float> x = mobiq_tools::to_tensor(d.load(i, c), p, d.name(i), c, h, w);
        check(mobiq_session_run(l.session, x.data(), x.size(), out.data(), out.size()));
        const std::vector<int> t = top_k(out, 5);
        const int label = d.label(i);
        top1 += t[0] == label;
        top5 += std::find(t.begin(), t.end(), label) != t.end();
        nlohmann::json pr = {{"file", d.name(i)}, {"label", label}, {"top5", t}};
        if (ref.session) {
            check(mobiq_session_run(ref.session, x.data(), x.size(), out_ref.data(), out_ref.size()));
            const std::vector<int> r = top_k(out_ref, 5);
            ref_top1 += r[0] == label;
            ref_top5 += std::find(r.begin(), r.end(), label) != r.end();
            agree += r[0] == t[0];
            sqnr.add(out_ref.data(), out.data(), out.size());
            pr["fp32_top5"] = r;
        }
        predictions.push_back(pr);
        progress.update(i - first + 1, top1);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    j["images"] = n;
    j["top1"] = pct(top1, n);
    j["top5"] = pct(top5, n);
    j["top1_correct"] = top1;
    j["top5_correct"] = top5;
    j["seconds"] = seconds;
    std::printf("%s: %zu images, %s%s: top-1 %.2f %% (%zu), top-5 %.2f %% (%zu)\n", sf.model.c_str(), n,
                sf.precision.c_str(),
                int8 ? (" " + sf.scheme + "/" + sf.weights + "/" + sf.weight_scheme + "-w" +
                        (sf.weight_bits == 7 ? "/w7/" : "/") + sf.calibration)
                           .c_str()
                     : "",
                pct(top1, n), top1, pct(top5, n), top5);
    if (ref.session) {
        j["fp32_top1"] = pct(ref_top1, n);
        j["fp32_top5"] = pct(ref_top5, n);
        j["agreement"] = pct(agree, n);
        j["sqnr_db"] = sqnr.json();
        std::printf("fp32: top-1 %.2f %% (%zu), top-5 %.2f %% (%zu); against FP32: top-1 agreement %.2f %% (%zu/%zu), "
                    "output SQNR %s\n",
                    pct(ref_top1, n), ref_top1, pct(ref_top5, n), ref_top5, pct(agree, n), agree, n,
                    sqnr.str().c_str());
    }
    j["predictions"] = predictions;
    if (!f.json.empty()) {
        std::ofstream os(f.json);
        os << j.dump(1) << "\n";
        if (!os) fail("--json: cannot write '" + f.json + "'");
    }
}

void add_preprocess_command_flags(CLI::App *app, PreprocessFlags *f) {
    app->add_option("--images", f->e.images, "a folder of images, or an IDX image file")->required();
    app->add_option("--out", f->out, "the .npy to write: (N, C, H, W) float32 (N, H, W, C with --layout nhwc)")
        ->required();
    app->add_option("--limit", f->e.limit, "the first N images only (0: all)")->check(at_least(0));
    app->add_option("--skip", f->e.skip, "skip the first N images first")->check(at_least(0));
    add_preprocess_flags(app, &f->e);
}

void cmd_preprocess(PreprocessFlags &f) {
    const Dataset d = Dataset::open_unlabelled(f.e.images);
    const Preprocess p = make_preprocess(f.e, d.idx());
    const int c = d.idx() || f.e.channels == "gray" ? 1 : 3;
    if (static_cast<size_t>(f.e.skip) >= d.size())
        fail("--skip " + std::to_string(f.e.skip) + ": the data holds " + std::to_string(d.size()) + " images", 2);
    const size_t first = f.e.skip;
    const size_t n = f.e.limit > 0 ? std::min<size_t>(f.e.limit, d.size() - first) : d.size() - first;
    // The size every image must come out at: the crop's, or the first image's.
    int h = p.crop_h, w = p.crop_w;
    if (h == 0) {
        const mobiq_tools::Image im = mobiq_tools::resize_shorter_side(d.load(first, c), p.resize);
        h = im.height;
        w = im.width;
    }
    std::vector<float> all;
    for (size_t i = first; i < first + n; i++) {
        const std::vector<float> x = mobiq_tools::to_tensor(d.load(i, c), p, d.name(i), c, h, w);
        all.insert(all.end(), x.begin(), x.end());
    }
    const std::vector<int64_t> shape = p.nhwc ? std::vector<int64_t>{int64_t(n), h, w, c}
                                              : std::vector<int64_t>{int64_t(n), c, h, w};
    const auto s = mobiq::write_npy(f.out, shape, all.data());
    if (!s.is_ok()) fail("--out: " + s.message());
    std::printf("%s: %zu image(s) -> %s %s (%s)\n", f.e.images.c_str(), n, f.out.c_str(), shape_str(shape).c_str(),
                p.describe().c_str());
}

}  // namespace mobiq_cli
