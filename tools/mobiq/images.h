// Images for `mobiq eval` / `mobiq preprocess` and for calibration: decoding
// (libjpeg-turbo for JPEG, stb_image for PNG / BMP / GIF / TGA / PNM: Debian
// libraries), torchvision-style preprocessing (shorter side resize with PIL's
// antialiasing triangle filter, centre crop, mean / std),
// labelled datasets (a folder + labels.tsv, or Fashion-MNIST / MNIST IDX
// files, gzip or not) and calibration sets.
//
// This is the tool's part, not the runtime's: the runtime takes float tensors
// and stays free of image libraries (cross builds, Android). docs/decisions.md.
// Every failure throws ImageError with one line naming the file.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace mobiq_tools {

struct ImageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// 8-bit pixels, rows top to bottom, channels interleaved (RGB or gray).
struct Image {
    int width = 0, height = 0, channels = 0;
    std::vector<uint8_t> pixels;
};

// `channels`: 3 (RGB; grayscale files are expanded) or 1 (gray; colour files
// are converted by the decoder's luma formula).
Image decode_image(const std::string &path, int channels);

// What turns an image into a model input. The defaults are torchvision's
// ImageNet evaluation transform: Resize(256) (PIL bilinear, antialiased),
// CenterCrop(224), ToTensor, Normalize(mean, std), RGB, NCHW.
struct Preprocess {
    int resize = 256;                 // the shorter side after resizing; 0: no resize
    int crop_h = 224, crop_w = 224;   // centre crop; 0: none
    std::vector<float> mean = {0.485f, 0.456f, 0.406f};  // per channel (or one for all), of pixel / 255
    std::vector<float> stddev = {0.229f, 0.224f, 0.225f};
    bool bgr = false;                 // channel order of the tensor
    bool nhwc = false;                // tensor layout (the model's input is NCHW unless it says otherwise)
    // The defaults for IDX (Fashion-MNIST) images: 28 x 28 gray, no resize or
    // crop, pixel / 255 (mean 0, std 1).
    static Preprocess idx_defaults();
    std::string describe() const;
};

// The resize step alone: the shorter side to `shorter` (0: unchanged), long
// side int(shorter * long / short) as torchvision computes it; a separable
// triangle (bilinear) filter whose support grows with the downscale factor
// (PIL's antialiasing), horizontal pass then vertical, 8-bit between passes,
// 22-bit fixed-point weights: PIL's Image.resize(BILINEAR).
Image resize_shorter_side(const Image &im, int shorter);

// The whole transform: C x H x W floats (H x W x C with nhwc), C = im.channels.
// `want` is the model's input (C, H, W): a different size is an error naming
// the image and the options that would fit.
std::vector<float> to_tensor(const Image &im, const Preprocess &p, const std::string &name, int want_c, int want_h,
                             int want_w);

// A labelled set: a folder of images + `file<TAB>class[<TAB>...]` lines, or
// an IDX image file + an IDX label file. Samples are in file-name order
// (IDX: file order).
class Dataset {
public:
    static Dataset open(const std::string &images, const std::string &labels);
    // Unlabelled (calibration): every image file of a folder (sorted by name), or an IDX image file.
    static Dataset open_unlabelled(const std::string &images);
    bool idx() const { return idx_; }
    size_t size() const { return names_.size(); }
    const std::string &name(size_t i) const { return names_[i]; }
    int label(size_t i) const { return labels_[i]; }
    int max_label() const;
    Image load(size_t i, int channels) const;

private:
    bool idx_ = false;
    std::string dir_;
    std::vector<std::string> names_;
    std::vector<int> labels_;
    int idx_w_ = 0, idx_h_ = 0;
    std::vector<uint8_t> idx_pixels_;
};

// Whether a file starts like an IDX file (gzip-compressed or not).
bool is_idx_file(const std::string &path);

}  // namespace mobiq_tools
