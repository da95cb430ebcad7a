// Writes two host xmodels of the same tiny classifier (tests/xmodel
// TinyClassifier): one whose DPU output is [N,5] (the conv "dense" followed
// by a reshape) and one whose DPU output is the conv's own [N,1,1,5]. The
// board e2e test (board_mode_e2e.sh full_rank_output) runs both: the app
// must index outputs at full rank and print the same results.
//   make_rank4_models OUT_DIR
#include <cstdio>
#include <string>

#include "signdpu/xmodel/xmodel_file.h"
#include "signdpu/xmodel/xmodel_writer.h"
#include "test_graphs.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  signdpu::xmodel::InitGoogleLoggingOnce(argv[0]);
  const std::string dir = argv[1];
  signdpu::FixGraph flat = signdpu::testing::TinyClassifier(7);
  signdpu::FixGraph rank4 = flat;
  rank4.ops.pop_back();      // drop the reshape "logits"
  rank4.tensors.pop_back();  // and its [1,5] tensor
  rank4.outputs = {4};       // "dense" [1,1,1,5]
  auto info = signdpu::testing::InfoFor("tiny");
  for (const auto& [graph, name] : {std::pair{&flat, "tiny_2d.xmodel"}, std::pair{&rank4, "tiny_4d.xmodel"}}) {
    signdpu::Status s = signdpu::xmodel::WriteHostXmodel(*graph, info, dir + "/" + name);
    if (!s.ok()) {
      std::fprintf(stderr, "make_rank4_models: %s: %s\n", name, s.message().c_str());
      return 1;
    }
  }
  return 0;
}
