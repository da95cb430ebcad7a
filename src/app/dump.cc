#include "signdpu/app/dump.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>
#include <vart/experimental/runner_helper.hpp>
#include <vart/runner.hpp>
#include <vart/tensor_buffer.hpp>
#include <xir/graph/subgraph.hpp>
#include <xir/tensor/tensor.hpp>

#include "signdpu/core/json_text.h"
#include "signdpu/io/csv_reader.h"
#include "signdpu/io/preprocess.h"

namespace signdpu::app {
namespace fs = std::filesystem;
namespace {

std::string Sanitize(const std::string& s) {
  std::string o;
  for (char c : s) o += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
  return o;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return NotFound(path + ": cannot open");
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace

Result<std::vector<std::string>> Dump(const Model& model, const DumpOptions& o) {
  if (o.csv.empty() == o.input_raw.empty()) return InvalidArgument("dump needs exactly one of --csv or --input-raw");
  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  if (ec) return IoError("--out " + o.out_dir + ": " + ec.message());
  std::vector<std::string> lines;
  // Tensor name -> bytes of every frame (outputs of earlier subgraphs).
  std::map<std::string, std::string> produced;
  int64_t frames = -1;
  bool first = true;
  for (const xir::Subgraph* sg : model.dpu_subgraphs()) {
    SIGNDPU_ASSIGN_OR_RETURN(auto runner, CreateRunner(sg, o.mode));
    auto rin = runner->get_input_tensors();
    auto rout = runner->get_output_tensors();
    const int batch = std::max(1, rin.empty() ? 1 : rin[0]->get_shape()[0]);
    // Gather every input's bytes for all frames.
    std::vector<std::string> inputs(rin.size());
    std::vector<std::string> input_notes(rin.size());
    for (size_t i = 0; i < rin.size(); ++i) {
      const TensorInfo info = DescribeTensor(rin[i]);
      const int64_t per = info.per_image_size();
      auto it = produced.find(info.name);
      if (it != produced.end()) {
        inputs[i] = it->second;
        input_notes[i] = "from an earlier DPU subgraph";
      } else if (first && i == 0 && !o.csv.empty()) {
        io::CsvOptions csv;
        csv.pixels = static_cast<int>(per);
        SIGNDPU_ASSIGN_OR_RETURN(auto rows, io::ReadCsvFile(o.csv, csv, o.limit));
        io::PreprocessConfig pre;
        pre.height = info.shape.size() == 4 ? info.shape[1] : 1;
        pre.width = info.shape.size() == 4 ? info.shape[2] : static_cast<int>(per);
        pre.fix_point = info.fix_point;
        inputs[i].resize(rows.size() * static_cast<size_t>(per));
        for (size_t r = 0; r < rows.size(); ++r)
          SIGNDPU_RETURN_IF_ERROR(io::PreprocessPixels(rows[r].pixels, pre, reinterpret_cast<int8_t*>(&inputs[i][r * per])));
        input_notes[i] = "CSV " + o.csv + " quantised at fix_point " + std::to_string(info.fix_point);
      } else if (first && i == 0) {
        SIGNDPU_ASSIGN_OR_RETURN(inputs[i], ReadFile(o.input_raw));
        if (inputs[i].empty() || inputs[i].size() % static_cast<size_t>(per) != 0)
          return InvalidArgument(o.input_raw + ": " + std::to_string(inputs[i].size()) + " bytes is not a multiple of the input's " +
                                 std::to_string(per) + " bytes per frame");
        input_notes[i] = "raw " + o.input_raw;
      } else {
        // Fed by CPU ops we do not evaluate: a fixed pseudo-random pattern,
        // identical on every machine, keeps board and emulator comparable.
        const int64_t n = frames > 0 ? frames : 1;
        inputs[i].resize(static_cast<size_t>(n * per));
        std::mt19937 rng(1);
        for (auto& c : inputs[i]) c = static_cast<char>(std::uniform_int_distribution<int>(-128, 127)(rng));
        input_notes[i] = "pseudo-random (mt19937 seed 1): produced by CPU ops";
      }
      const int64_t n = static_cast<int64_t>(inputs[i].size()) / per;
      if (frames < 0) frames = n;
      if (n != frames) return InvalidArgument(sg->get_name() + ": input " + info.name + " has " + std::to_string(n) + " frames, expected " + std::to_string(frames));
    }
    first = false;
    std::vector<std::string> outputs(rout.size());
    std::vector<TensorInfo> out_info;
    for (const auto* t : rout) out_info.push_back(DescribeTensor(t));
    auto ib = vart::alloc_cpu_flat_tensor_buffers(rin);
    auto ob = vart::alloc_cpu_flat_tensor_buffers(rout);
    for (int64_t f0 = 0; f0 < frames; f0 += batch) {
      const int64_t n = std::min<int64_t>(batch, frames - f0);
      for (size_t i = 0; i < rin.size(); ++i) {
        const int64_t per = DescribeTensor(rin[i]).per_image_size();
        auto [addr, bytes] = ib[i]->data(std::vector<int>(rin[i]->get_shape().size(), 0));
        (void)bytes;
        std::memcpy(reinterpret_cast<void*>(addr), inputs[i].data() + f0 * per, static_cast<size_t>(n * per));
      }
      std::vector<vart::TensorBuffer*> ip, op;
      for (auto& b : ib) ip.push_back(b.get());
      for (auto& b : ob) op.push_back(b.get());
      auto job = runner->execute_async(ip, op);
      if (job.second != 0 || runner->wait(static_cast<int>(job.first), -1) != 0)
        return Internal(sg->get_name() + ": the runner failed on frames " + std::to_string(f0) + ".." + std::to_string(f0 + n - 1));
      for (size_t i = 0; i < rout.size(); ++i) {
        const int64_t per = out_info[i].per_image_size();
        auto [addr, bytes] = ob[i]->data(std::vector<int>(rout[i]->get_shape().size(), 0));
        (void)bytes;
        outputs[i].append(reinterpret_cast<const char*>(addr), static_cast<size_t>(n * per));
      }
    }
    for (size_t i = 0; i < rout.size(); ++i) {
      const std::string base = Sanitize(sg->get_name()) + "." + Sanitize(out_info[i].name);
      std::ofstream(fs::path(o.out_dir) / (base + ".bin"), std::ios::binary) << outputs[i];
      nlohmann::ordered_json j;
      j["subgraph"] = sg->get_name();
      j["tensor"] = out_info[i].name;
      std::vector<int32_t> shape = out_info[i].shape;
      if (!shape.empty()) shape[0] = static_cast<int32_t>(frames);
      j["shape"] = shape;
      j["fix_point"] = out_info[i].fix_point;
      j["frames"] = frames;
      j["mode"] = RunModeName(o.mode);
      j["inputs"] = input_notes;
      std::ofstream(fs::path(o.out_dir) / (base + ".json")) << DumpJson(j, 2) << "\n";
      lines.push_back(base + ".bin: " + std::to_string(outputs[i].size()) + " bytes, fix_point " +
                      std::to_string(out_info[i].fix_point));
      produced[out_info[i].name] = outputs[i];
    }
  }
  return lines;
}

Status Compare(const std::string& a, const std::string& b, std::vector<std::string>* report) {
  std::error_code ec;
  if (!fs::is_directory(a, ec)) return NotFound(a + ": not a dump directory");
  if (!fs::is_directory(b, ec)) return NotFound(b + ": not a dump directory");
  std::vector<fs::path> sidecars;
  for (const auto& e : fs::directory_iterator(a, ec))
    if (e.path().extension() == ".json") sidecars.push_back(e.path());
  std::sort(sidecars.begin(), sidecars.end());
  if (sidecars.empty()) return InvalidArgument(a + ": no dumped tensors (*.json)");
  int bad = 0;
  for (const auto& side : sidecars) {
    const std::string stem = side.stem().string();
    nlohmann::json meta;
    try {
      std::ifstream f(side);
      meta = nlohmann::json::parse(f);
    } catch (const std::exception& e) {
      return InvalidArgument(side.string() + ": " + e.what());
    }
    auto da = ReadFile((fs::path(a) / (stem + ".bin")).string());
    auto db = ReadFile((fs::path(b) / (stem + ".bin")).string());
    if (!da.ok() || !db.ok()) {
      report->push_back(stem + ": MISSING in " + (da.ok() ? b : a));
      ++bad;
      continue;
    }
    const std::string& x = *da;
    const std::string& y = *db;
    if (x.size() != y.size()) {
      report->push_back(stem + ": DIFFERENT sizes " + std::to_string(x.size()) + " vs " + std::to_string(y.size()) + " bytes");
      ++bad;
      continue;
    }
    size_t first = x.size(), count = 0;
    for (size_t i = 0; i < x.size(); ++i)
      if (x[i] != y[i]) {
        if (first == x.size()) first = i;
        ++count;
      }
    if (count == 0) {
      report->push_back(stem + ": identical (" + std::to_string(x.size()) + " bytes)");
      continue;
    }
    ++bad;
    // Index of the first difference in the dumped shape.
    std::vector<int64_t> shape;
    try {
      shape = meta.at("shape").get<std::vector<int64_t>>();
    } catch (const std::exception&) {
    }
    std::string where = std::to_string(first);
    if (!shape.empty()) {
      std::vector<int64_t> idx(shape.size());
      size_t rem = first;
      for (size_t d = shape.size(); d-- > 0;) {
        const int64_t s = std::max<int64_t>(1, shape[d]);
        idx[d] = static_cast<int64_t>(rem % static_cast<size_t>(s));
        rem /= static_cast<size_t>(s);
      }
      where = "[";
      for (size_t d = 0; d < idx.size(); ++d) where += (d ? "," : "") + std::to_string(idx[d]);
      where += "]";
    }
    report->push_back(stem + ": DIFFERENT in " + std::to_string(count) + " of " + std::to_string(x.size()) +
                      " elements; first at " + where + ": " + std::to_string(static_cast<int>(static_cast<int8_t>(x[first]))) +
                      " vs " + std::to_string(static_cast<int>(static_cast<int8_t>(y[first]))));
  }
  if (bad) return InvalidArgument(std::to_string(bad) + " of " + std::to_string(sidecars.size()) + " tensors differ or are missing");
  return Status::Ok();
}

}  // namespace signdpu::app
