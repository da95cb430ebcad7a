// The checks of `signdpu run`'s flags (app/run_options.h), without
// spawning the program: the first failing flag is named in one message.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "signdpu/app/run_options.h"

namespace signdpu::app {
namespace {

RunOptions CsvRun() {
  RunOptions o;
  o.model_path = "m.xmodel";
  o.csv = "rows.csv";
  o.given = {"--model", "--csv"};
  return o;
}

std::string Error(const RunOptions& o) {
  auto r = CheckRunOptions(o);
  return r.ok() ? "OK" : r.status().message();
}

TEST(RunOptions, DefaultsAreValid) {
  auto r = CheckRunOptions(CsvRun());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->mode, RunMode::kAuto);
  EXPECT_TRUE(r->roi.centre_square);
}

TEST(RunOptions, EmptyFileNameIsAnErrorAboutThatFlag) {
  RunOptions o = CsvRun();
  o.labels_path = "";
  o.given.insert("--labels");
  EXPECT_EQ(Error(o), "--labels: empty value, expected a file name");
  EXPECT_EQ(CheckRunFileFlags(o).message(), "--labels: empty value, expected a file name");
  o = CsvRun();
  o.model_path = "";
  o.record = "";
  o.given.insert("--record");
  EXPECT_EQ(Error(o), "--model: empty value, expected a file name") << "flags in --help order";
  o = CsvRun();
  o.summary_json = "";  // not given: the default, no error
  EXPECT_EQ(Error(o), "OK");
}

TEST(RunOptions, ModeAndRoiAreParsed) {
  RunOptions o = CsvRun();
  o.mode_text = "fast";
  EXPECT_NE(Error(o).find("fast"), std::string::npos) << Error(o);
  o.mode_text = "ref";
  auto r = CheckRunOptions(o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->mode, RunMode::kRef);
  o = CsvRun();
  o.csv.clear();
  o.given = {"--model", "--images", "--roi"};
  o.images = "pics";
  o.roi_text = "1,2,30,40";
  r = CheckRunOptions(o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r->roi.centre_square);
  EXPECT_EQ(r->roi.width, 30);
  o.roi_text = "1,2";
  EXPECT_NE(Error(o), "OK");
}

TEST(RunOptions, CsvSourceRefusesImageOnlyFlags) {
  RunOptions o = CsvRun();
  o.record = "out.avi";
  o.given.insert("--record");
  EXPECT_EQ(Error(o), "--record out.avi: a CSV source has no images to record (use --images, --video or --camera)");
  o = CsvRun();
  o.display = true;
  EXPECT_EQ(Error(o), "--display: a CSV source has no images to show (use --images, --video or --camera)");
  o = CsvRun();
  o.roi_text = "full";
  o.given.insert("--roi");
  EXPECT_EQ(Error(o),
            "--roi full: CSV rows are already model-sized pixels; --roi applies to images, video and camera frames");
  o.roi_text = "centre";  // the default, even when given
  EXPECT_EQ(Error(o), "OK");
}

TEST(RunOptions, OutputFoldersAreCheckedBeforeTheRun) {
  RunOptions o = CsvRun();
  o.summary_json = "/nonexistent-signdpu-dir/s.json";
  o.given.insert("--summary-json");
  EXPECT_EQ(Error(o), "--summary-json /nonexistent-signdpu-dir/s.json: folder /nonexistent-signdpu-dir does not exist");
  const std::string dir = ::testing::TempDir();
  o.summary_json = dir;
  EXPECT_NE(Error(o).find(": is a directory"), std::string::npos) << Error(o);
  o.summary_json = "/dev/null";
  EXPECT_NE(Error(o).find("exists and is not a regular file"), std::string::npos) << Error(o);
  o.summary_json = dir + "/summary.json";
  EXPECT_EQ(Error(o), "OK");
  EXPECT_NE(CheckOutputFolder("--record", "/nonexistent-signdpu-dir/v.avi").message().find("--record"),
            std::string::npos);
}

TEST(RunOptions, BudgetRequestFollowsModeSourceAndEnvironment) {
  RunOptions o = CsvRun();
  o.threads = 3;
  o.emu_batch = 16;
  ::unsetenv("SIGNDPU_EMU_BATCH");
  BudgetRequest b = RunBudgetRequest(o, RunMode::kAuto);
  EXPECT_EQ(b.threads, 3);
  EXPECT_EQ(b.batch, 16);
  EXPECT_EQ(b.source_height, 28);
  EXPECT_EQ(b.source_width, 28);
  EXPECT_EQ(b.source_name, "--csv rows.csv");
  EXPECT_EQ(RunBudgetRequest(o, RunMode::kRun).batch, 0) << "mode run: the xmodel's batch";
  ::setenv("SIGNDPU_EMU_BATCH", "5", 1);
  EXPECT_EQ(RunBudgetRequest(o, RunMode::kRef).batch, 5) << "the emulator's variable wins";
  ::setenv("SIGNDPU_EMU_BATCH", "junk", 1);
  EXPECT_EQ(RunBudgetRequest(o, RunMode::kRef).batch, 16);
  ::unsetenv("SIGNDPU_EMU_BATCH");
  o.csv.clear();
  o.given = {"--model", "--video"};
  b = RunBudgetRequest(o, RunMode::kRef);
  EXPECT_EQ(b.source_height, 0) << "video frames are resized";
}

TEST(RunOptions, PipelineOptionsCarryTheFlags) {
  RunOptions o = CsvRun();
  o.quiet = true;
  o.top_k = 3;
  o.limit = 7;
  o.bench = 2.5;
  o.threads = 4;
  CheckedRunOptions c;
  c.roi.centre_square = false;
  PipelineOptions p = RunPipelineOptions(o, c, RunMode::kRef, {"a"}, "--labels l.txt", true);
  EXPECT_FALSE(p.per_frame);
  EXPECT_EQ(p.top_k, 3);
  EXPECT_EQ(p.limit, 7);
  EXPECT_EQ(p.bench_seconds, 2.5);
  EXPECT_EQ(p.threads, 4);
  EXPECT_EQ(p.mode, RunMode::kRef);
  EXPECT_FALSE(p.roi.centre_square);
  EXPECT_EQ(p.labels_what, "--labels l.txt");
  EXPECT_TRUE(p.progress);
}

TEST(RunOptions, OpenRunSourceOpensTheNamedSource) {
  RunOptions o = CsvRun();
  o.csv = ::testing::TempDir() + "/run_options_rows.csv";
  {
    std::ofstream f(o.csv);  // one labelled row of 784 pixels, no header
    f << 3;
    for (int i = 0; i < 784; ++i) f << ",0";
    f << "\n";
  }
  auto s = OpenRunSource(o);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_NE((*s)->Describe().find("run_options_rows.csv"), std::string::npos) << (*s)->Describe();
  o.csv = ::testing::TempDir() + "/no_such_rows.csv";
  EXPECT_FALSE(OpenRunSource(o).ok());
}

}  // namespace
}  // namespace signdpu::app
