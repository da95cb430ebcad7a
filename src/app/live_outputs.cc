#include "signdpu/app/live_outputs.h"

#include <cstdio>
#include <utility>

#include "signdpu/core/json_text.h"

namespace signdpu::app {

Result<std::unique_ptr<LiveOutputs>> LiveOutputs::Start(LiveOutputOptions options) {
  auto out = std::make_unique<LiveOutputs>();
  out->o_ = std::move(options);
  const LiveOutputOptions& o = out->o_;
  out->change_ = ChangeFilter(o.on_change);
  if (o.results) {
    SIGNDPU_ASSIGN_OR_RETURN(out->results_, ResultsWriter::Open(*o.results));
  }
  if (o.serve) {
    out->state_ = std::make_unique<LiveState>(o.labels, o.roi);
    SIGNDPU_ASSIGN_OR_RETURN(out->server_, LiveServer::Start(*o.serve, out->state_.get()));
    std::fprintf(stderr, "signdpu: serving %s (live view; /stream.mjpg, /metrics, /healthz)\n",
                 out->server_->url().c_str());
  }
  return out;
}

LiveOutputs::~LiveOutputs() { (void)Finish(); }

void LiveOutputs::OnFrame(const FrameEvent& e) {
  if (state_) state_->Add(e);
  if (results_ && change_.Accept(e.result.top.empty() ? -1 : e.result.top[0].first))
    results_->Push(ResultLine(e.result, o_.labels, o_.source, std::chrono::system_clock::now()));
}

Status LiveOutputs::Finish() {
  if (server_) server_->Stop();
  server_.reset();
  if (!results_) return Status::Ok();
  Status s = results_->Finish(kResultsDrain);
  const long long written = results_->lines(), dropped = results_->dropped();
  if (dropped > 0)
    std::fprintf(stderr, "signdpu: --results %s: %lld line%s written, %lld dropped (reader slow or gone)\n",
                 PrintableText(results_->target().text).c_str(), written, written == 1 ? "" : "s", dropped);
  results_.reset();
  return s;
}

}  // namespace signdpu::app
