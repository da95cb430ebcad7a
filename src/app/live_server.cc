// The HTTP side of `signdpu run --serve` (app/live_server.h) on civetweb's C
// API (civetweb.h: mg_start, mg_set_request_handler, mg_write), which the
// 1.12 recipe of meta-networking (PetaLinux 2022.1) and Debian's 1.15 share.
#include "signdpu/app/live_server.h"

#include <civetweb.h>

#include <cstdio>
#include <cstring>
#include <thread>

#include "signdpu/io/frame_source.h"

namespace signdpu::app {
namespace {

constexpr int kJpegQuality = 80;
// The stream sends at most this many frames per second per client: the
// board's A53 cores are shared with inference, and a person needs no more.
constexpr std::chrono::milliseconds kStreamInterval{40};
constexpr std::chrono::milliseconds kWaitStep{500};  // how often a stream looks at `stopping_`
constexpr const char* kBoundary = "signdpuframe";
// civetweb: connection threads (each stream client holds one) and how long
// a write to a client that stopped reading may block that thread.
constexpr const char* kThreads = "16";
constexpr const char* kWriteTimeoutMs = "5000";

// mg_start reports why it failed through log_message before it returns; the
// message is kept here (Start is called once, before any other thread uses it).
std::string* g_start_log = nullptr;
int LogMessage(const mg_connection*, const char* message) {
  if (g_start_log != nullptr && g_start_log->empty()) *g_start_log = message;
  return 1;  // handled: civetweb prints nothing itself
}

void Send(mg_connection* c, int status, const char* type, const std::string& body) {
  const char* reason = status == 200 ? "OK" : status == 404 ? "Not Found" : "Service Unavailable";
  mg_printf(c,
            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nCache-Control: no-store\r\n"
            "Connection: close\r\n\r\n",
            status, reason, type, body.size());
  mg_write(c, body.data(), body.size());
}

// JSON inside a <script> element: "</" could end the element early (a label
// may hold any printable text), "<\/" is the same JSON string.
std::string ScriptSafe(std::string json) {
  for (size_t at = json.find("</"); at != std::string::npos; at = json.find("</", at + 3)) json.replace(at, 2, "<\\/");
  return json;
}

// The page: the picture is /frame.jpg reloaded as soon as the previous one
// arrived (at most every 200 ms), the text from /status.json; the values at
// load time are in the HTML, so the page says something without scripts.
std::string PageHtml(const std::string& status_json) {
  return R"(<!doctype html><html lang="en"><head><meta charset="utf-8"><title>signdpu live view</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:sans-serif;background:#161616;color:#eee;margin:1.5em}
main{display:flex;gap:2em;flex-wrap:wrap;align-items:flex-start}
#pic{width:480px;max-width:100%;background:#000;border:1px solid #444}
#label{font-size:4em;font-weight:bold;color:#4d4;line-height:1}
dt{color:#aaa;margin-top:.6em}dd{margin:0;font-size:1.6em}a{color:#8bf}</style></head>
<body><h1>signdpu live view</h1><main>
<img id="pic" src="/frame.jpg" alt="latest frame with the prediction drawn">
<dl><dt>predicted</dt><dd id="label">?</dd><dt>probability</dt><dd id="prob">-</dd>
<dt>frames per second</dt><dd id="fps">-</dd><dt>frames</dt><dd id="frames">-</dd><dt>health</dt><dd id="health">-</dd></dl>
</main><p><a href="/stream.mjpg">/stream.mjpg</a> &middot; <a href="/metrics">/metrics</a> &middot;
<a href="/healthz">/healthz</a> &middot; <a href="/status.json">/status.json</a></p>
<script>
const $ = (id) => document.getElementById(id);
function show(s) {
  $('label').textContent = s.label || '?';
  $('prob').textContent = s.probability.toFixed(3);
  $('fps').textContent = s.fps.toFixed(1);
  $('frames').textContent = s.frames;
  $('health').textContent = s.healthy ? 'ok' : 'stalled';
}
show()" + ScriptSafe(status_json) + R"();
async function status() {
  try { show(await (await fetch('/status.json', {cache: 'no-store'})).json()); } catch (e) {}
  setTimeout(status, 500);
}
function picture() {
  const next = new Image();
  next.onload = () => { $('pic').src = next.src; setTimeout(picture, 200); };
  next.onerror = () => setTimeout(picture, 1000);
  next.src = '/frame.jpg?t=' + Date.now();
}
setTimeout(status, 500);
setTimeout(picture, 200);
</script></body></html>
)";
}

LiveServer* Self(void* p) { return static_cast<LiveServer*>(p); }

}  // namespace

Result<std::unique_ptr<LiveServer>> LiveServer::Start(const ServeAddress& address, LiveState* state) {
  std::unique_ptr<LiveServer> s(new LiveServer(state));
  s->host_ = address.host;
  mg_init_library(0);
  const std::string listen = address.Listen();
  const char* options[] = {"listening_ports", listen.c_str(), "num_threads", kThreads, "request_timeout_ms",
                           kWriteTimeoutMs, "enable_keep_alive", "no", nullptr};
  mg_callbacks callbacks {};
  callbacks.log_message = LogMessage;
  std::string why;
  g_start_log = &why;
  s->ctx_ = mg_start(&callbacks, s.get(), options);
  g_start_log = nullptr;
  if (s->ctx_ == nullptr)
    return IoError("--serve " + address.text + ": cannot listen on " + listen + ": " +
                   (why.empty() ? std::string("civetweb could not start") : why));
  mg_server_port ports[4] {};
  const int n = mg_get_server_ports(s->ctx_, 4, ports);
  s->port_ = n > 0 ? ports[0].port : address.port;
  mg_set_request_handler(s->ctx_, "/", HandlePage, s.get());
  mg_set_request_handler(s->ctx_, "/frame.jpg", HandleFrame, s.get());
  mg_set_request_handler(s->ctx_, "/stream.mjpg", HandleStream, s.get());
  mg_set_request_handler(s->ctx_, "/status.json", HandleStatus, s.get());
  mg_set_request_handler(s->ctx_, "/metrics", HandleMetrics, s.get());
  mg_set_request_handler(s->ctx_, "/healthz", HandleHealth, s.get());
  return s;
}

LiveServer::~LiveServer() { Stop(); }

void LiveServer::Stop() {
  if (ctx_ == nullptr) return;
  stopping_ = true;
  state_->Wake();
  mg_stop(ctx_);  // joins the connection threads
  ctx_ = nullptr;
}

std::string LiveServer::url() const {
  const bool v6 = host_.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_) + "/";
}

std::shared_ptr<const std::vector<uint8_t>> LiveServer::Jpeg(uint64_t* seq) {
  cv::Mat image;
  FrameOverlay overlay;
  uint64_t latest = 0;
  std::lock_guard<std::mutex> l(jpeg_m_);
  const auto now = std::chrono::steady_clock::now();
  // At most one encoding per kStreamInterval for all clients together: at
  // thousands of frames per second each client would otherwise get its own.
  if (jpeg_ != nullptr && now - jpeg_at_ < kStreamInterval) {
    *seq = jpeg_seq_;
    return jpeg_;
  }
  if (!state_->Latest(&image, &overlay, &latest)) return nullptr;
  if (jpeg_ == nullptr || latest != jpeg_seq_) {
    auto bytes = std::make_shared<std::vector<uint8_t>>();
    if (!io::EncodeJpeg(AnnotateFrame(image, overlay), kJpegQuality, bytes.get()).ok()) return nullptr;
    jpeg_ = std::move(bytes);
    jpeg_seq_ = latest;
    jpeg_at_ = now;
  }
  *seq = jpeg_seq_;
  return jpeg_;
}

int LiveServer::HandlePage(mg_connection* c, void* self) {
  const mg_request_info* ri = mg_get_request_info(c);
  if (ri == nullptr || ri->local_uri == nullptr || std::strcmp(ri->local_uri, "/") != 0) {
    Send(c, 404, "text/plain", "not found; try /, /stream.mjpg, /metrics, /healthz\n");
    return 404;
  }
  Send(c, 200, "text/html; charset=utf-8", PageHtml(Self(self)->state_->StatusJson()));
  return 200;
}

int LiveServer::HandleFrame(mg_connection* c, void* self) {
  uint64_t seq = 0;
  auto jpeg = Self(self)->Jpeg(&seq);
  if (jpeg == nullptr) {
    Send(c, 503, "text/plain", "no frame yet\n");
    return 503;
  }
  Send(c, 200, "image/jpeg", std::string(jpeg->begin(), jpeg->end()));
  return 200;
}

int LiveServer::HandleStream(mg_connection* c, void* self) {
  LiveServer* s = Self(self);
  mg_printf(c,
            "HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=%s\r\n"
            "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
            kBoundary);
  uint64_t sent = 0;
  while (!s->stopping_) {
    s->state_->WaitNewer(sent, kWaitStep);
    uint64_t seq = 0;
    auto jpeg = s->Jpeg(&seq);
    if (jpeg == nullptr || seq == sent) continue;
    char head[160];
    const int n = std::snprintf(head, sizeof head, "--%s\r\nContent-Type: image/jpeg\r\nContent-Length: %zu\r\n\r\n",
                                kBoundary, jpeg->size());
    // A client that went away or stopped reading (write timeout) ends here.
    if (mg_write(c, head, static_cast<size_t>(n)) <= 0 || mg_write(c, jpeg->data(), jpeg->size()) <= 0 ||
        mg_write(c, "\r\n", 2) <= 0)
      break;
    sent = seq;
    std::this_thread::sleep_for(kStreamInterval);
  }
  return 200;
}

int LiveServer::HandleStatus(mg_connection* c, void* self) {
  Send(c, 200, "application/json", Self(self)->state_->StatusJson() + "\n");
  return 200;
}

int LiveServer::HandleMetrics(mg_connection* c, void* self) {
  Send(c, 200, "text/plain; version=0.0.4; charset=utf-8", Self(self)->state_->MetricsText());
  return 200;
}

int LiveServer::HandleHealth(mg_connection* c, void* self) {
  std::string why;
  const bool ok = Self(self)->state_->Healthy(&why);
  Send(c, ok ? 200 : 503, "text/plain", why + "\n");
  return ok ? 200 : 503;
}

}  // namespace signdpu::app
