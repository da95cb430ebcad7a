// --results and --serve without the pipeline (app/results_output.h,
// app/live_server.h): the on-change filter, the address and target syntax,
// the Prometheus text, and a results writer whose reader never reads.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "signdpu/app/live_server.h"
#include "signdpu/app/results_output.h"

namespace signdpu::app {
namespace {

std::vector<int64_t> Written(int hold, const std::vector<int>& classes) {
  ChangeFilter f(hold);
  std::vector<int64_t> frames;
  for (size_t i = 0; i < classes.size(); ++i)
    if (f.Accept(classes[i])) frames.push_back(static_cast<int64_t>(i));
  return frames;
}

TEST(ChangeFilter, EveryFrameWithZero) { EXPECT_EQ(Written(0, {1, 1, 2}), (std::vector<int64_t>{0, 1, 2})); }

TEST(ChangeFilter, EachChangeWithOne) {
  EXPECT_EQ(Written(1, {1, 1, 2, 2, 1, 3}), (std::vector<int64_t>{0, 2, 4, 5}));
}

TEST(ChangeFilter, HoldIgnoresFlickers) {
  // 3 frames of 1, a 1-frame flicker of 2, back to 1 (no line), 3 frames of 2.
  EXPECT_EQ(Written(3, {1, 1, 1, 2, 1, 1, 2, 2, 2}), (std::vector<int64_t>{2, 8}));
  // A class that returns after a different one was shown is written again.
  EXPECT_EQ(Written(2, {1, 1, 2, 2, 1, 1}), (std::vector<int64_t>{1, 3, 5}));
}

TEST(ServeAddress, Forms) {
  auto a = ParseServeAddress("8080");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");  // a bare port stays on this machine
  EXPECT_EQ(a->Listen(), "127.0.0.1:8080");
  auto b = ParseServeAddress("0.0.0.0:80");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->Listen(), "0.0.0.0:80");
  auto c = ParseServeAddress("[::1]:9000");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->Listen(), "[::1]:9000");
  for (const char* bad : {"", "65536", "-1", "x", "localhost:80", "1.2.3:80", "::1:80", "1.2.3.4:", "1.2.3.4:8o"})
    EXPECT_FALSE(ParseServeAddress(bad).ok()) << bad;
}

TEST(ResultsTarget, Kinds) {
  const auto dir = std::filesystem::temp_directory_path() / ("live_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  EXPECT_EQ(ParseResultsTarget("-")->kind, ResultsTarget::Kind::kStdout);
  EXPECT_EQ(ParseResultsTarget((dir / "r.jsonl").string())->kind, ResultsTarget::Kind::kFile);
  ASSERT_EQ(::mkfifo((dir / "f").c_str(), 0600), 0);
  EXPECT_EQ(ParseResultsTarget((dir / "f").string())->kind, ResultsTarget::Kind::kFifo);
  EXPECT_FALSE(ParseResultsTarget("").ok());
  EXPECT_FALSE(ParseResultsTarget("unix:").ok());
  EXPECT_FALSE(ParseResultsTarget("unix:" + (dir / "none").string()).ok());
  EXPECT_FALSE(ParseResultsTarget(dir.string()).ok());                      // a directory
  EXPECT_FALSE(ParseResultsTarget((dir / "no" / "r.jsonl").string()).ok());  // no folder
  std::filesystem::remove_all(dir);
}

TEST(ResultsLine, Keys) {
  FrameResult r;
  r.index = 7;
  r.top = {{2, 0.75f}};
  r.latency_us = 1500;
  const std::string line = ResultLine(r, {"a", "b", "c"}, "camera 0", std::chrono::system_clock::time_point{});
  EXPECT_EQ(line,
            "{\"time\":\"1970-01-01T00:00:00.000Z\",\"source\":\"camera 0\",\"frame\":7,\"class\":2,\"label\":\"c\","
            "\"probability\":0.75,\"latency\":0.0015}");
}

// A FIFO whose reader never reads: pushes never block, the overflow is
// counted, Finish returns after its drain time.
TEST(ResultsWriter, StalledReaderDropsAndFinishes) {
  const auto dir = std::filesystem::temp_directory_path() / ("live_fifo_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string fifo = (dir / "f").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);  // open, never read
  ASSERT_GE(reader, 0);
  auto target = ParseResultsTarget(fifo);
  ASSERT_TRUE(target.ok());
  auto w = ResultsWriter::Open(*target, 64);
  ASSERT_TRUE(w.ok()) << w.status().message();
  const std::string line(200, 'x');
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 20000; ++i) (*w)->Push(line);
  const auto push_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(push_ms, 2000);  // 20000 pushes; a blocking write would hang here
  EXPECT_TRUE((*w)->Finish(std::chrono::milliseconds(300)).ok());
  EXPECT_GT((*w)->dropped(), 0);
  EXPECT_EQ((*w)->lines() + (*w)->dropped(), 20000);
  ::close(reader);
  std::filesystem::remove_all(dir);
}

TEST(LiveState, MetricsAndHealth) {
  LiveState s({"A", "B \"quoted\""}, io::Roi{});
  std::string why;
  EXPECT_FALSE(s.Healthy(&why));
  EXPECT_EQ(why, "no frame yet");
  cv::Mat img(28, 28, CV_8UC1, cv::Scalar(0));
  for (int i = 0; i < 3; ++i) {
    FrameResult r;
    r.index = i;
    r.top = {{i == 2 ? 1 : 0, 0.9f}};
    r.latency_us = 2000;  // 2 ms
    s.Add(FrameEvent{r, img, 1});
  }
  EXPECT_TRUE(s.Healthy(&why));
  const std::string m = s.MetricsText();
  EXPECT_NE(m.find("signdpu_frames_total 3\n"), std::string::npos) << m;
  EXPECT_NE(m.find("signdpu_errors_total 1\n"), std::string::npos);
  EXPECT_NE(m.find("signdpu_latency_seconds_bucket{le=\"0.001\"} 0\n"), std::string::npos);
  EXPECT_NE(m.find("signdpu_latency_seconds_bucket{le=\"0.0025\"} 3\n"), std::string::npos);
  EXPECT_NE(m.find("signdpu_latency_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(m.find("signdpu_latency_seconds_count 3\n"), std::string::npos);
  EXPECT_NE(m.find("signdpu_class_total{label=\"A\"} 2\n"), std::string::npos);
  EXPECT_NE(m.find("signdpu_class_total{label=\"B \\\"quoted\\\"\"} 1\n"), std::string::npos);
  EXPECT_NE(m.find("# TYPE signdpu_fps gauge\n"), std::string::npos);
  cv::Mat latest;
  FrameOverlay overlay;
  uint64_t seq = 0;
  ASSERT_TRUE(s.Latest(&latest, &overlay, &seq));
  EXPECT_EQ(seq, 3u);
  EXPECT_EQ(overlay.label, "B \"quoted\"");
}

}  // namespace
}  // namespace signdpu::app
