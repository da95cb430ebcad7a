// report.html rendering (report_html.h). Plain string building: inline SVG
// charts, thumbnails as PNG data URIs, one <style> block, no scripts and no
// external references, so the page opens offline and from a mail attachment.
#include "signdpu/quantize/report_html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "signdpu/core/file_io.h"

namespace signdpu::quantize {
namespace {

std::string Esc(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default:
        // Control characters would break the page's text; show them as '?'.
        o += (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') ? '?' : c;
    }
  }
  return o;
}

std::string F(const char* fmt, double v) {
  char b[64];
  std::snprintf(b, sizeof b, fmt, v);
  return b;
}

std::string Label(const std::vector<std::string>& labels, int c) {
  if (c >= 0 && c < static_cast<int>(labels.size()) && !labels[static_cast<size_t>(c)].empty())
    return labels[static_cast<size_t>(c)];
  return std::to_string(c);
}

uint32_t Crc32(const uint8_t* p, size_t n, uint32_t crc = 0) {
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) {
    crc ^= p[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

std::string Base64(const std::string& in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string o;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    o += t[v >> 18], o += t[(v >> 12) & 63], o += t[(v >> 6) & 63], o += t[v & 63];
  }
  if (i + 1 == in.size()) {
    const uint32_t v = uint8_t(in[i]) << 16;
    o += t[v >> 18], o += t[(v >> 12) & 63], o += "==";
  } else if (i + 2 == in.size()) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    o += t[v >> 18], o += t[(v >> 12) & 63], o += t[(v >> 6) & 63], o += '=';
  }
  return o;
}

void Be32(std::string* s, uint32_t v) {
  for (int k = 3; k >= 0; --k) s->push_back(static_cast<char>((v >> (8 * k)) & 0xFF));
}

void Chunk(std::string* png, const char* type, const std::string& data) {
  Be32(png, static_cast<uint32_t>(data.size()));
  std::string td = std::string(type, 4) + data;
  png->append(td);
  Be32(png, Crc32(reinterpret_cast<const uint8_t*>(td.data()), td.size()));
}

// Colour for a value in [0, 1] (white -> blue).
std::string Heat(double v) {
  v = std::clamp(v, 0.0, 1.0);
  char b[32];
  std::snprintf(b, sizeof b, "rgb(%d,%d,%d)", static_cast<int>(255 - 205 * v), static_cast<int>(255 - 155 * v),
                static_cast<int>(255 - 55 * v));
  return b;
}

const char* kStyle = R"(body{font:14px/1.4 system-ui,sans-serif;margin:1.5em auto;max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.2em;border-bottom:1px solid #ccc;margin-top:1.6em}
.note{color:#555;font-size:.9em;overflow-wrap:anywhere}table{border-collapse:collapse;font-size:.9em}
td,th{border:1px solid #ddd;padding:2px 6px;text-align:right}th{background:#f4f4f4}
.grid{display:flex;flex-wrap:wrap;gap:12px}.card{border:1px solid #ddd;padding:6px;border-radius:4px}
.card h3{font-size:.9em;margin:0 0 4px;font-weight:600;word-break:break-all;max-width:330px}
.thumb{display:inline-block;text-align:center;font-size:.75em;margin:4px;width:92px}
.thumb img{width:84px;height:84px;image-rendering:pixelated;border:1px solid #999}
.bad{color:#b00}.good{color:#070}.kpi{display:inline-block;margin-right:2em;font-size:1.1em}.kpi b{font-size:1.3em}
svg text{font:11px system-ui,sans-serif}
)";

// Horizontal bar chart: one row per (name, value); values in [vmin, vmax].
std::string BarChart(const std::vector<std::pair<std::string, double>>& rows, double vmin, double vmax,
                     const std::string& unit, double ref = NAN, const std::string& ref_label = "") {
  const int row_h = 18, label_w = 230, bar_w = 520, w = label_w + bar_w + 80;
  const int h = static_cast<int>(rows.size()) * row_h + 30;
  std::ostringstream s;
  s << "<svg xmlns='http://www.w3.org/2000/svg' width='" << w << "' height='" << h << "' role='img'>";
  const double span = vmax - vmin > 0 ? vmax - vmin : 1.0;
  auto x = [&](double v) { return label_w + bar_w * (std::clamp(v, vmin, vmax) - vmin) / span; };
  for (size_t i = 0; i < rows.size(); ++i) {
    const int y = static_cast<int>(i) * row_h + 4;
    const double v = rows[i].second;
    s << "<text x='" << label_w - 6 << "' y='" << y + 12 << "' text-anchor='end'>" << Esc(rows[i].first.substr(0, 34))
      << "</text><rect x='" << label_w << "' y='" << y << "' width='" << F("%.1f", x(v) - label_w)
      << "' height='" << row_h - 4 << "' fill='#4a7fc1'><title>" << Esc(rows[i].first) << ": " << F("%.4g", v) << " "
      << Esc(unit) << "</title></rect><text x='" << F("%.1f", x(v) + 4) << "' y='" << y + 12 << "'>" << F("%.4g", v)
      << "</text>";
  }
  const int axis_y = static_cast<int>(rows.size()) * row_h + 8;
  s << "<line x1='" << label_w << "' y1='" << axis_y << "' x2='" << label_w + bar_w << "' y2='" << axis_y
    << "' stroke='#888'/><text x='" << label_w << "' y='" << axis_y + 14 << "'>" << F("%.4g", vmin)
    << "</text><text x='" << label_w + bar_w << "' y='" << axis_y + 14 << "' text-anchor='end'>" << F("%.4g", vmax) << " "
    << Esc(unit) << "</text>";
  if (!std::isnan(ref)) {
    s << "<line x1='" << F("%.1f", x(ref)) << "' y1='0' x2='" << F("%.1f", x(ref)) << "' y2='" << axis_y
      << "' stroke='#c33' stroke-dasharray='4 3'/><text x='" << F("%.1f", x(ref) + 3) << "' y='" << axis_y + 14
      << "' fill='#c33'>" << Esc(ref_label) << "</text>";
  }
  s << "</svg>";
  return s.str();
}

std::string HistogramSvg(const ActivationHistogram& h) {
  const int w = 330, hh = 130, pad = 4, plot_h = 100;
  std::ostringstream s;
  s << "<svg xmlns='http://www.w3.org/2000/svg' width='" << w << "' height='" << hh << "' role='img'>";
  const size_t bins = h.counts.size();
  double lmax = 0;
  for (int64_t c : h.counts) lmax = std::max(lmax, std::log10(1.0 + static_cast<double>(c)));
  if (lmax <= 0) lmax = 1;
  const double span = h.bin_hi - h.bin_lo > 0 ? h.bin_hi - h.bin_lo : 1.0;
  auto x = [&](double v) { return pad + (w - 2 * pad) * (v - h.bin_lo) / span; };
  // The fix-point range as a band.
  s << "<rect x='" << F("%.1f", x(h.range_lo)) << "' y='0' width='" << F("%.1f", x(h.range_hi) - x(h.range_lo))
    << "' height='" << plot_h << "' fill='#e3f2e3'><title>int8 range at fix_point " << h.fix_point << ": ["
    << F("%.4g", h.range_lo) << ", " << F("%.4g", h.range_hi) << "]</title></rect>";
  const double bw = static_cast<double>(w - 2 * pad) / std::max<size_t>(1, bins);
  for (size_t b = 0; b < bins; ++b) {
    if (h.counts[b] == 0) continue;
    const double v = std::log10(1.0 + static_cast<double>(h.counts[b])) / lmax * plot_h;
    s << "<rect x='" << F("%.1f", pad + b * bw) << "' y='" << F("%.1f", plot_h - v) << "' width='" << F("%.1f", bw)
      << "' height='" << F("%.1f", v) << "' fill='#4a7fc1'/>";
  }
  for (double r : {h.range_lo, h.range_hi})
    s << "<line x1='" << F("%.1f", x(r)) << "' y1='0' x2='" << F("%.1f", x(r)) << "' y2='" << plot_h
      << "' stroke='#2a8a2a' stroke-width='1.5'/>";
  s << "<text x='" << pad << "' y='" << plot_h + 13 << "'>" << F("%.3g", h.bin_lo) << "</text><text x='" << w - pad
    << "' y='" << plot_h + 13 << "' text-anchor='end'>" << F("%.3g", h.bin_hi) << "</text><text x='" << w / 2
    << "' y='" << plot_h + 26 << "' text-anchor='middle'>fix_point " << h.fix_point << ", clipped "
    << F("%.3g", h.total ? 100.0 * static_cast<double>(h.clipped) / static_cast<double>(h.total) : 0.0) << " % ("
    << h.clipped << " of " << h.total << ")</text></svg>";
  return s.str();
}

std::string WeightSvg(const WeightDistribution& wd) {
  const size_t oc = wd.ch_min.size();
  const int w = 330, h = 140, pad = 4, plot_h = 110;
  double lim = 0;
  for (size_t c = 0; c < oc; ++c) lim = std::max({lim, std::fabs(double(wd.ch_min[c])), std::fabs(double(wd.ch_max[c]))});
  if (lim <= 0) lim = 1;
  lim *= 1.1;
  auto y = [&](double v) { return plot_h / 2.0 - (plot_h / 2.0 - 2) * v / lim; };
  const double cw = static_cast<double>(w - 2 * pad) / std::max<size_t>(1, oc);
  std::ostringstream s;
  s << "<svg xmlns='http://www.w3.org/2000/svg' width='" << w << "' height='" << h << "' role='img'>";
  s << "<line x1='" << pad << "' y1='" << F("%.1f", y(0)) << "' x2='" << w - pad << "' y2='" << F("%.1f", y(0))
    << "' stroke='#bbb'/>";
  int64_t c0 = 0;
  for (size_t g = 0; g < wd.group_fix_points.size() && g < wd.group_ends.size(); ++g) {
    const int64_t c1 = wd.group_ends[g];
    const double step = std::pow(2.0, -wd.group_fix_points[g]);
    const double hi = std::min(127.0 * step, lim), lo = std::max(-128.0 * step, -lim);
    const double x0 = pad + c0 * cw, x1 = pad + c1 * cw;
    s << "<rect x='" << F("%.1f", x0) << "' y='" << F("%.1f", y(hi)) << "' width='" << F("%.1f", x1 - x0)
      << "' height='" << F("%.1f", y(lo) - y(hi)) << "' fill='" << (g % 2 ? "#e8efe0" : "#e3f2e3")
      << "'><title>channels " << c0 << ".." << c1 - 1 << ": fix_point " << wd.group_fix_points[g] << ", step "
      << F("%.3g", step) << "</title></rect>";
    if (wd.group_fix_points.size() > 1 && x1 - x0 >= 30)
      s << "<text x='" << F("%.1f", x0 + 2) << "' y='" << plot_h + 24 << "' fill='#2a8a2a'>fp " << wd.group_fix_points[g]
        << "</text>";
    c0 = c1;
  }
  for (size_t c = 0; c < oc; ++c) {
    const double x = pad + (c + 0.5) * cw;
    // At least 2 px tall: a 1x1 depthwise scale has one weight per channel.
    const double y0 = y(wd.ch_max[c]), y1 = std::max(y(wd.ch_min[c]), y0 + 2);
    s << "<line x1='" << F("%.1f", x) << "' y1='" << F("%.1f", y0) << "' x2='" << F("%.1f", x) << "' y2='"
      << F("%.1f", y1) << "' stroke='#4a7fc1' stroke-width='" << F("%.1f", std::max(1.0, cw * 0.6))
      << "'><title>channel " << c << ": [" << F("%.3g", wd.ch_min[c]) << ", " << F("%.3g", wd.ch_max[c])
      << "], mean |w| " << F("%.3g", wd.ch_absmean[c]) << "</title></line>";
  }
  s << "<text x='" << pad << "' y='" << plot_h + 12 << "'>" << oc << " channels: min..max; band: int8 range</text>";
  s << "</svg>";
  return s.str();
}

std::string ConfusionSvg(const std::vector<std::vector<int64_t>>& m, const std::vector<std::string>& labels) {
  const int n = static_cast<int>(m.size());
  const int cell = std::max(16, std::min(30, 330 / std::max(1, n))), left = 90, top = 16;
  const int w = left + n * cell + 4, h = top + n * cell + 24;
  std::ostringstream s;
  s << "<svg xmlns='http://www.w3.org/2000/svg' width='" << w << "' height='" << h << "' role='img'>";
  for (int r = 0; r < n; ++r) {
    int64_t row = 0;
    for (int64_t v : m[static_cast<size_t>(r)]) row += v;
    s << "<text x='" << left - 4 << "' y='" << top + r * cell + cell / 2 + 4 << "' text-anchor='end'>"
      << Esc(Label(labels, r).substr(0, 14)) << "</text>";
    for (int c = 0; c < n; ++c) {
      const int64_t v = m[static_cast<size_t>(r)][static_cast<size_t>(c)];
      const double frac = row ? static_cast<double>(v) / static_cast<double>(row) : 0.0;
      s << "<rect x='" << left + c * cell << "' y='" << top + r * cell << "' width='" << cell << "' height='" << cell
        << "' fill='" << Heat(std::sqrt(frac)) << "' stroke='#fff'><title>true " << Esc(Label(labels, r)) << ", predicted "
        << Esc(Label(labels, c)) << ": " << v << "</title></rect>";
      if (v > 0 && cell >= 22)
        s << "<text x='" << left + c * cell + cell / 2 << "' y='" << top + r * cell + cell / 2 + 4
          << "' text-anchor='middle' font-size='9' fill='" << (frac > 0.5 ? "#fff" : "#333") << "'>" << v << "</text>";
    }
  }
  s << "<text x='" << left << "' y='11'>predicted &#8594; (rows: true class)</text></svg>";
  return s.str();
}

// What the page is made from.
struct Page {
  const QuantizeResult& r;
  const ReportData& d;
  const std::string& model_path;
  const QuantizeOptions& o;
  const std::vector<std::string>& labels;
};

// One function per section of the page; each writes <section id=...>..</section>.
void SectionSummary(std::ostringstream& s, const Page& p) {
  s << "<section id='summary'><p>Model <code>" << Esc(p.model_path) << "</code>, " << p.r.layers.size()
    << (p.r.layers.size() == 1 ? " DPU layer" : " DPU layers") << ", method " << CalibMethodName(p.o.method) << ", "
    << p.r.calib_images << (p.r.calib_images == 1 ? " calibration image" : " calibration images") << " ("
    << F("%.2f", p.r.calib_seconds) << " s), DPU target " << Esc(p.o.dpu_target.empty() ? "none" : p.o.dpu_target) << ".</p>";
  if (p.r.eval_images > 0) {
    const double drop = 100.0 * (p.r.int8_accuracy - p.r.float_accuracy);
    s << "<p><span class='kpi'>float <b>" << F("%.2f", 100 * p.r.float_accuracy) << " %</b></span><span class='kpi'>int8 <b>"
      << F("%.2f", 100 * p.r.int8_accuracy) << " %</b> <span class='" << (drop < -1.0 ? "bad" : "good") << "'>("
      << F("%+.2f", drop) << " points)</span></span><span class='kpi'>top-1 agreement <b>"
      << F("%.2f", 100 * p.r.top1_agreement) << " %</b></span> on " << p.r.eval_images
      << (p.r.eval_images == 1 ? " image" : " images") << "</p>";
  } else {
    s << "<p class='note'>No evaluation set (--eval): accuracy sections are empty.</p>";
  }
  for (const std::string& n : p.r.notes) s << "<p class='note'>transform: " << Esc(n) << "</p>";
  s << "</section>\n";
}

void SectionSqnr(std::ostringstream& s, const Page& p) {
  s << "<section id='sqnr'><h2>Per-layer SQNR (int8 output vs float)</h2>";
  if (p.r.eval_images > 0 && !p.r.layers.empty()) {
    std::vector<std::pair<std::string, double>> rows;
    double hi = 10;
    for (const LayerReport& l : p.r.layers) {
      rows.push_back({l.name, std::min(l.output_sqnr_db, 80.0)});
      hi = std::max(hi, std::min(l.output_sqnr_db, 80.0));
    }
    s << BarChart(rows, 0, std::ceil(hi / 10) * 10, "dB")
      << "<p class='note'>Higher is better; each 6 dB is one bit. Over the first " << std::min<int64_t>(p.o.sqnr_images, p.r.eval_images)
      << " evaluation images (values above 80 dB drawn at 80).</p>";
  } else {
    s << "<p class='note'>Needs --eval.</p>";
  }
  s << "</section>\n";
}

void SectionHistograms(std::ostringstream& s, const Page& p) {
  s << "<section id='histograms'><h2>Activation histograms (log scale) and fix-point ranges</h2>"
    << "<p class='note'>Over the first " << p.d.histogram_images
    << " calibration images. Green band: what int8 holds at the chosen fix point; clipped: values that saturate.</p><div class='grid'>";
  for (const ActivationHistogram& h : p.d.histograms)
    s << "<div class='card'><h3>" << Esc(h.tensor) << "</h3>" << HistogramSvg(h) << "</div>";
  s << "</div></section>\n";
}

void SectionWeights(std::ostringstream& s, const Page& p) {
  s << "<section id='weights'><h2>Weights per output channel and weight fix points</h2><div class='grid'>";
  for (const WeightDistribution& w : p.d.weights) {
    s << "<div class='card'><h3>" << Esc(w.layer) << " (";
    if (w.group_fix_points.size() > 1) {
      s << w.group_fix_points.size() << " weight groups, fix points";
      for (int fp : w.group_fix_points) s << " " << fp;
    } else if (!w.group_fix_points.empty()) {
      s << "fix_point " << w.group_fix_points[0];
    }
    s << ")</h3>" << WeightSvg(w) << "</div>";
  }
  if (p.d.weights.empty()) s << "<p class='note'>No layer with weights.</p>";
  s << "</div></section>\n";
}

void SectionAccuracy(std::ostringstream& s, const Page& p) {
  s << "<section id='accuracy'><h2>Float vs int8: confusion matrices and per-class accuracy</h2>";
  if (p.d.eval_images > 0) {
    s << "<div class='grid'><div class='card'><h3>float</h3>" << ConfusionSvg(p.d.confusion_float, p.labels)
      << "</div><div class='card'><h3>int8</h3>" << ConfusionSvg(p.d.confusion_int8, p.labels) << "</div></div>";
    s << "<table><tr><th>class</th><th>images</th><th>float %</th><th>int8 %</th><th>delta (points)</th></tr>";
    for (int c = 0; c < p.d.classes; ++c) {
      int64_t n = 0;
      for (int64_t v : p.d.confusion_float[static_cast<size_t>(c)]) n += v;
      const double fa = n ? 100.0 * p.d.confusion_float[c][c] / n : 0, ia = n ? 100.0 * p.d.confusion_int8[c][c] / n : 0;
      s << "<tr><td>" << Esc(Label(p.labels, c)) << "</td><td>" << n << "</td><td>" << F("%.2f", fa) << "</td><td>"
        << F("%.2f", ia) << "</td><td class='" << (ia - fa < -0.5 ? "bad" : "") << "'>" << F("%+.2f", ia - fa) << "</td></tr>";
    }
    s << "</table><p>Top-1 agreement float vs int8: <b>" << F("%.2f", 100.0 * p.r.top1_agreement) << " %</b> ("
      << p.d.changed_total << " of " << p.d.eval_images << " images change class).</p>";
  } else {
    s << "<p class='note'>Needs --eval.</p>";
  }
  s << "</section>\n";
}

void SectionChanged(std::ostringstream& s, const Page& p) {
  s << "<section id='changed'><h2>Images whose class changed</h2>";
  if (p.d.eval_images > 0) {
    s << "<p class='note'>" << p.d.changed_total << (p.d.changed_total == 1 ? " image" : " images") << " change class";
    if (p.d.changed_total > static_cast<int64_t>(p.d.changed.size())) s << "; the first " << p.d.changed.size() << " shown";
    s << ". Caption: CSV line, true class, float &#8594; int8.</p><div>";
    for (const ChangedImage& c : p.d.changed) {
      s << "<div class='thumb'><img alt='line " << c.line << "' src='" << GrayPngDataUri(c.pixels, c.width, c.height)
        << "'><br>line " << c.line << "<br>true " << Esc(Label(p.labels, c.label)) << "<br><span class='good'>"
        << Esc(Label(p.labels, c.float_pred)) << "</span> &#8594; <span class='bad'>" << Esc(Label(p.labels, c.int8_pred))
        << "</span></div>";
    }
    if (p.d.changed.empty()) s << "<p>None: float and int8 agree on every image.</p>";
    s << "</div>";
  } else {
    s << "<p class='note'>Needs --eval.</p>";
  }
  s << "</section>\n";
}

void SectionSensitivity(std::ostringstream& s, const Page& p) {
  s << "<section id='sensitivity'><h2>Per-layer sensitivity: accuracy with only that layer in int8</h2>";
  if (!p.d.sensitivity.empty()) {
    std::vector<std::pair<std::string, double>> rows;
    double lo = 100 * p.d.sensitivity_float_accuracy;
    for (const LayerSensitivity& x : p.d.sensitivity) {
      rows.push_back({x.layer, 100 * x.accuracy});
      lo = std::min(lo, 100 * x.accuracy);
    }
    const double hi = std::min(100.0, std::ceil(100 * p.d.sensitivity_float_accuracy + 1));
    lo = std::max(0.0, std::floor(lo - 2));
    s << BarChart(rows, lo, hi, "%", 100 * p.d.sensitivity_float_accuracy, "float " + F("%.2f", 100 * p.d.sensitivity_float_accuracy))
      << "<table><tr><th>layer</th><th>op</th><th>accuracy %</th><th>vs float (points)</th></tr>";
    for (const LayerSensitivity& x : p.d.sensitivity)
      s << "<tr><td>" << Esc(x.layer) << "</td><td>" << Esc(x.op) << "</td><td>" << F("%.2f", 100 * x.accuracy)
        << "</td><td>" << F("%+.2f", 100 * (x.accuracy - p.d.sensitivity_float_accuracy)) << "</td></tr>";
    s << "</table><p class='note'>On the first " << p.d.sensitivity_images
      << " evaluation images: the layer's input is quantised at its fix point, the layer runs in int8 (its weights, "
         "bias, shifts), its output is dequantised and the rest of the float model continues. The lowest bar is the "
         "layer to look at first.</p>";
    for (const std::string& n : p.d.sensitivity_notes) s << "<p class='note'>" << Esc(n) << "</p>";
  } else {
    s << "<p class='note'>Needs --eval.</p>";
  }
  s << "</section>\n";
}

void SectionFill(std::ostringstream& s, const Page& p) {
  s << "<section id='fill'><h2>DPU fill estimate per layer";
  if (!p.d.fill_target.empty()) s << " (" << Esc(p.d.fill_target) << ")";
  s << "</h2>";
  if (!p.d.fill.empty()) {
    std::vector<std::pair<std::string, double>> rows;
    int64_t macs = 0;
    double weighted = 0;
    for (const LayerFill& f : p.d.fill) {
      rows.push_back({f.layer, 100 * f.fill});
      macs += f.macs;
      weighted += f.fill * static_cast<double>(f.macs);
    }
    s << BarChart(rows, 0, 100, "%")
      << "<table><tr><th>layer</th><th>engine</th><th>parallelism</th><th>pixel %</th><th>in-ch %</th><th>out-ch %</th>"
         "<th>fill %</th><th>MACs/image</th></tr>";
    for (const LayerFill& f : p.d.fill)
      s << "<tr><td>" << Esc(f.layer) << "</td><td>" << Esc(f.engine) << "</td><td>" << Esc(f.parallelism) << "</td><td>"
        << F("%.0f", 100 * f.pixel) << "</td><td>" << F("%.0f", 100 * f.in_ch) << "</td><td>" << F("%.0f", 100 * f.out_ch)
        << "</td><td>" << F("%.0f", 100 * f.fill) << "</td><td>" << f.macs << "</td></tr>";
    s << "</table><p class='note'><b>Estimate</b>, not a measurement: the fraction of the engine's pixel x input-channel x "
         "output-channel lanes (from libtarget-factory) that the layer's output width and channel counts occupy, "
         "each rounded up to a multiple of its parallelism. MAC-weighted over the model: "
      << F("%.0f", macs ? 100.0 * weighted / static_cast<double>(macs) : 0.0)
      << " %. Ignores memory bandwidth, load/save, instruction and CPU overheads; unverified on a board.</p>";
  } else {
    s << "<p class='note'>Not estimated: " << Esc(p.d.fill_note.empty() ? "no DPU layers" : p.d.fill_note) << "</p>";
  }
  s << "</section>\n";
}

}  // namespace

std::string GrayPngDataUri(const std::vector<uint8_t>& pixels, int width, int height) {
  std::string raw;
  for (int y = 0; y < height; ++y) {
    raw.push_back('\0');  // filter: none
    for (int x = 0; x < width; ++x) {
      const size_t i = static_cast<size_t>(y) * width + x;
      raw.push_back(static_cast<char>(i < pixels.size() ? pixels[i] : 0));
    }
  }
  // zlib stream of stored (uncompressed) deflate blocks.
  std::string z = "\x78\x01";
  size_t off = 0;
  do {
    const size_t len = std::min<size_t>(65535, raw.size() - off);
    const bool last = off + len >= raw.size();
    z.push_back(static_cast<char>(last ? 1 : 0));
    z.push_back(static_cast<char>(len & 0xFF));
    z.push_back(static_cast<char>(len >> 8));
    z.push_back(static_cast<char>(~len & 0xFF));
    z.push_back(static_cast<char>((~len >> 8) & 0xFF));
    z.append(raw, off, len);
    off += len;
  } while (off < raw.size());
  uint32_t a = 1, b = 0;
  for (unsigned char c : raw) a = (a + c) % 65521, b = (b + a) % 65521;
  Be32(&z, (b << 16) | a);
  std::string png = "\x89PNG\r\n\x1a\n";
  std::string ihdr;
  Be32(&ihdr, static_cast<uint32_t>(width));
  Be32(&ihdr, static_cast<uint32_t>(height));
  ihdr += std::string("\x08\x00\x00\x00\x00", 5);  // 8-bit grayscale, deflate, no filter method, no interlace
  Chunk(&png, "IHDR", ihdr);
  Chunk(&png, "IDAT", z);
  Chunk(&png, "IEND", "");
  return "data:image/png;base64," + Base64(png);
}

std::string RenderReportHtml(const QuantizeResult& r, const ReportData& d, const std::string& model_path,
                             const QuantizeOptions& o, const std::vector<std::string>& labels) {
  std::ostringstream s;
  s << "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
    << "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">"
    << "<title>signdpu-quantize report: " << Esc(r.fix.name) << "</title><style>" << kStyle << "</style></head><body>\n";
  s << "<h1>Quantisation report: " << Esc(r.fix.name) << "</h1>\n";
  const Page page{r, d, model_path, o, labels};
  SectionSummary(s, page);
  SectionSqnr(s, page);
  SectionHistograms(s, page);
  SectionWeights(s, page);
  SectionAccuracy(s, page);
  SectionChanged(s, page);
  SectionSensitivity(s, page);
  SectionFill(s, page);
  s << "<footer class='note'><p>Written by signdpu-quantize beside report.json (same run).</p></footer></body></html>\n";
  return s.str();
}

Status WriteReportHtml(const graph::Graph& graph, const QuantizeResult& result, const std::string& model_path,
                       const QuantizeOptions& options, const std::vector<std::string>& labels, const std::string& path,
                       const ReportDataOptions& report_options) {
  SIGNDPU_ASSIGN_OR_RETURN(ReportData data, CollectReportData(graph, result, options, report_options));
  return WriteFileAtomic(path, RenderReportHtml(result, data, model_path, options, labels));
}

}  // namespace signdpu::quantize
