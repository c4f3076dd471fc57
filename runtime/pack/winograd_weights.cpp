#include "mobiq/winograd_weights.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace mobiq {

const std::vector<std::vector<double>> &winograd_g(int m) {
    // Lavin & Gray's matrices for the interpolation points 0, +-1 (F(2,3)) and
    // 0, +-1, +-2 (F(4,3)), with the point at infinity.
    static const std::vector<std::vector<double>> g2{{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
    static const std::vector<std::vector<double>> g4{{1.0 / 4, 0, 0},
                                                     {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                                     {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                                     {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                                     {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                                     {0, 0, 1}};
    return m == 4 ? g4 : g2;
}

const std::vector<std::vector<double>> &winograd_bt(int m) {
    static const std::vector<std::vector<double>> b2{{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
    static const std::vector<std::vector<double>> b4{{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
                                                     {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
    return m == 4 ? b4 : b2;
}

void winograd_tap_absmax(const float *x, int n, int h, int w, int c, int m, std::vector<float> *absmax) {
    const auto &bt = winograd_bt(m);
    const int alpha = m + 2, tx = (w + m - 1) / m, ty = (h + m - 1) / m;
    absmax->resize(size_t(alpha) * alpha, 0.0f);
    std::vector<double> d(size_t(alpha) * alpha), r(size_t(alpha) * alpha);
    for (int b = 0; b < n; b++)
        for (int y0 = 0; y0 < ty; y0++)
            for (int x0 = 0; x0 < tx; x0++)
                for (int ch = 0; ch < c; ch++) {
                    for (int i = 0; i < alpha; i++)
                        for (int j = 0; j < alpha; j++) {
                            const int yy = m * y0 + i - 1, xx = m * x0 + j - 1;
                            d[i * alpha + j] = yy < 0 || yy >= h || xx < 0 || xx >= w
                                                   ? 0.0
                                                   : x[((size_t(b) * h + yy) * w + xx) * c + ch];
                        }
                    for (int u = 0; u < alpha; u++)  // r = B^T d
                        for (int j = 0; j < alpha; j++) {
                            double s = 0;
                            for (int i = 0; i < alpha; i++) s += bt[u][i] * d[i * alpha + j];
                            r[u * alpha + j] = s;
                        }
                    for (int u = 0; u < alpha; u++)  // V = r B
                        for (int v = 0; v < alpha; v++) {
                            double s = 0;
                            for (int j = 0; j < alpha; j++) s += r[u * alpha + j] * bt[v][j];
                            float &mx = (*absmax)[u * alpha + v];
                            mx = std::max(mx, static_cast<float>(std::fabs(s)));
                        }
                }
}

namespace {

// G g G^T of one 3 x 3 kernel (k[ky][kx]) into u[alpha * a + b].
template <typename T>
void transform(const std::vector<std::vector<T>> &G, const T k[3][3], T *u) {
    const size_t alpha = G.size();
    for (size_t a = 0; a < alpha; a++)
        for (size_t b = 0; b < alpha; b++) {
            T s = 0;
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) s += G[a][i] * k[i][j] * G[b][j];
            u[alpha * a + b] = s;
        }
}

}  // namespace

std::vector<int32_t> winograd_f2x3_weights_int(const int8_t *g, int n, int c) {
    static const std::vector<std::vector<int32_t>> G2{{2, 0, 0}, {1, 1, 1}, {1, -1, 1}, {0, 0, 2}};  // 2G
    std::vector<int32_t> out(static_cast<size_t>(16) * n * c);
    for (int o = 0; o < n; o++)
        for (int ch = 0; ch < c; ch++) {
            int32_t k[3][3], u[16];
            for (int y = 0; y < 3; y++)
                for (int x = 0; x < 3; x++) k[y][x] = g[((static_cast<size_t>(o) * 3 + y) * 3 + x) * c + ch];
            transform(G2, k, u);
            for (int t = 0; t < 16; t++) out[(static_cast<size_t>(t) * n + o) * c + ch] = u[t];
        }
    return out;
}

std::vector<float> winograd_weights_fp32(const float *g, int n, int c, int m) {
    const auto &G = winograd_g(m);
    const size_t taps = G.size() * G.size();
    std::vector<float> out(taps * n * c);
    for (int o = 0; o < n; o++)
        for (int ch = 0; ch < c; ch++) {
            double k[3][3], u[36];
            for (int y = 0; y < 3; y++)
                for (int x = 0; x < 3; x++) k[y][x] = g[((static_cast<size_t>(o) * 3 + y) * 3 + x) * c + ch];
            transform(G, k, u);
            for (size_t t = 0; t < taps; t++) out[(t * n + o) * c + ch] = static_cast<float>(u[t]);
        }
    return out;
}

}  // namespace mobiq
